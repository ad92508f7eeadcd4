package gateway

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// Buffers of an upgraded connection. net/http hands a hijacked connection
// its 4 KiB request reader and 4 KiB response writer, 8 KiB that an idle
// connection keeps for its whole life.
const (
	// readBufferSize: clients send small frames (commands, chat lines:
	// MaxFrameBytes at most; the bytes of a larger frame past the buffer
	// are read straight into the message), so 512 bytes do.
	readBufferSize = 512
	// writeBufferSize holds a frame coder/websocket writes (control frames;
	// data frames of compressing connections) on its way to the socket
	// (see socketWriter): a control frame (a 2-byte header and 125 bytes of
	// payload at most) fits whole, so it reaches the socket in one write.
	writeBufferSize = 128
)

// upgrade wraps a ResponseWriter so that the connection it hijacks (as
// websocket.Accept does) reads through a readBufferSize reader and writes
// through a writeBufferSize writer into a socketWriter, and keeps what the
// gateway needs of them afterwards. Bytes the client sent after its
// handshake and net/http already buffered are read first.
type upgrade struct {
	http.ResponseWriter
	hj http.Hijacker

	// Set by Hijack.
	nc   net.Conn
	br   *bufio.Reader
	out  *socketWriter
	park *parking
	// compressed: the handshake agreed on permessage-deflate (set by the
	// gateway once Accept returns).
	compressed bool
	// early: the client sent bytes before it saw the handshake's answer.
	// Accept keeps them outside br's buffer (in a reader br reads first),
	// so br.Buffered cannot tell that they wait until br's first fill has
	// taken them all in (the buffer holds them whole): awaitFrame is off
	// for such a connection until its first message is read (see
	// conn.earlyPending).
	early bool
}

// newUpgrade returns w wrapped, or nil if neither w nor a writer it wraps
// (Unwrap) can hijack; then Accept, which looks the same way, cannot
// either and answers the error.
func newUpgrade(w http.ResponseWriter) *upgrade {
	for rw := w; ; {
		switch t := rw.(type) {
		case http.Hijacker:
			return &upgrade{ResponseWriter: w, hj: t}
		case interface{ Unwrap() http.ResponseWriter }:
			rw = t.Unwrap()
		default:
			return nil
		}
	}
}

// Hijack implements http.Hijacker.
func (u *upgrade) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := u.hj.Hijack()
	if err != nil {
		return conn, brw, err
	}
	n := brw.Reader.Buffered()
	r := bufio.NewReaderSize(conn, readBufferSize)
	if n > 0 {
		// The early bytes must sit in the new reader's buffer: Accept
		// takes what is buffered and resets the reader onto the
		// connection.
		early, _ := brw.Reader.Peek(n)
		r = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(readBufferSize, n))
		r.Peek(n)
	}
	u.nc, u.br, u.out, u.early = conn, r, &socketWriter{nc: conn}, n > 0
	u.park = &parking{}
	return flushingConn{conn, u.out, u.park}, bufio.NewReadWriter(r, bufio.NewWriterSize(u.out, writeBufferSize)), nil
}

// flushingConn is the connection coder/websocket closes. What the
// socketWriter keeps back during a writer's turn goes out before the
// socket closes: when the peer's close frame arrives, coder/websocket
// writes its answer and closes at once, perhaps while the writer's turn
// holds that answer back. A parked reader is woken once the socket is
// closed (see parking.socketClosed).
type flushingConn struct {
	net.Conn
	out  *socketWriter
	park *parking
}

func (c flushingConn) Close() error {
	c.out.flushHeld()
	err := c.Conn.Close()
	c.park.socketClosed()
	return err
}

// Unwrap lets http.ResponseController reach the wrapped writer.
func (u *upgrade) Unwrap() http.ResponseWriter { return u.ResponseWriter }

package gateway

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// readBufferSize is the read buffer of an upgraded connection. net/http
// hands a hijacked connection its 4 KiB request reader; clients send small
// frames (commands, chat lines: MaxFrameBytes at most, and a larger frame
// is read past the buffer), so 1 KiB does, and an idle connection keeps
// 3 KiB less. The write buffer stays net/http's 4 KiB: a frame larger than
// it costs a second system call.
const readBufferSize = 1 << 10

// smallReads wraps a ResponseWriter so that the connection it hijacks (as
// websocket.Accept does) reads through a readBufferSize reader. Bytes the
// client sent after its handshake and net/http already buffered are read
// first.
type smallReads struct {
	http.ResponseWriter
	hj http.Hijacker
}

// withSmallReads returns w wrapped, or w itself if it cannot hijack (then
// Accept answers the error).
func withSmallReads(w http.ResponseWriter) http.ResponseWriter {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return w
	}
	return smallReads{ResponseWriter: w, hj: hj}
}

// Hijack implements http.Hijacker.
func (s smallReads) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := s.hj.Hijack()
	if err != nil {
		return conn, brw, err
	}
	n := brw.Reader.Buffered()
	if n == 0 {
		return conn, bufio.NewReadWriter(bufio.NewReaderSize(conn, readBufferSize), brw.Writer), nil
	}
	// The early bytes must sit in the new reader's buffer: Accept takes
	// what is buffered and resets the reader onto the connection.
	early, _ := brw.Reader.Peek(n)
	r := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(readBufferSize, n))
	r.Peek(n)
	return conn, bufio.NewReadWriter(r, brw.Writer), nil
}

// Unwrap lets http.ResponseController reach the wrapped writer.
func (s smallReads) Unwrap() http.ResponseWriter { return s.ResponseWriter }

package gateway

import (
	"net"
	"sync"
)

// heldBytes is how much a socketWriter keeps back during a writer's turn
// before it writes.
const heldBytes = 8 << 10

var heldBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, heldBytes)
	return &b
}}

// socketWriter is where a connection's frames leave. coder/websocket
// writes a frame as its header and payload into a writeBufferSize
// bufio.Writer over it, so a frame larger than that buffer reaches it in
// two writes (the buffer's flush, then the rest of the payload), and one
// system call each would double the cost of a batch frame.
//
// Outside a turn it passes writes straight to the socket (pings, pongs,
// close frames). During a turn (hold … release, by the connection's
// writer, which never waits for new frames inside one), it keeps writes
// back in a pooled buffer of heldBytes and sends them with the next write
// that does not fit, in one writev, and the rest at release: a frame's two
// pieces, or an ack and a batch, cost one system call. An idle connection
// keeps no held buffer. A control frame written by another goroutine
// during a turn is kept back too and goes out in order at release.
type socketWriter struct {
	nc   net.Conn
	mu   sync.Mutex
	held *[]byte // non-nil during a turn
}

// Write implements io.Writer.
func (s *socketWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		return s.nc.Write(p)
	}
	h := *s.held
	if len(h)+len(p) <= cap(h) {
		*s.held = append(h, p...)
		return len(p), nil
	}
	if len(h) == 0 {
		return s.nc.Write(p)
	}
	*s.held = h[:0]
	bufs := net.Buffers{h, p}
	if _, err := bufs.WriteTo(s.nc); err != nil {
		return 0, err
	}
	return len(p), nil
}

// hold starts a turn. A nil socketWriter (a connection whose writer could
// not be wrapped) does nothing.
func (s *socketWriter) hold() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = heldBuffers.Get().(*[]byte)
	}
}

// release ends a turn: what is kept back goes out now.
func (s *socketWriter) release() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		return nil
	}
	var err error
	if h := *s.held; len(h) > 0 {
		_, err = s.nc.Write(h)
	}
	*s.held = (*s.held)[:0]
	heldBuffers.Put(s.held)
	s.held = nil
	return err
}

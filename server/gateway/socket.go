package gateway

import (
	"encoding/binary"
	"net"
	"sync"
	"time"
)

// heldBytes is how much a socketWriter keeps back during a writer's turn
// before it writes.
const heldBytes = 8 << 10

var heldBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, heldBytes)
	return &b
}}

// socketWriter is where a connection's frames leave. coder/websocket
// writes its frames (control frames always; data frames when the
// connection compresses) through a writeBufferSize bufio.Writer over it,
// so a frame larger than that buffer reaches it in two writes (the
// buffer's flush, then the rest of the payload). Uncompressed data frames
// the gateway frames itself (writeFrame): header and payload in one call.
//
// Outside a turn it passes writes straight to the socket (pings, pongs,
// close frames). During a turn (hold … release, by the connection's
// writer, which never waits for new frames inside one), it keeps writes
// back in a pooled buffer of heldBytes and sends them with the next write
// that does not fit, in one writev, and the rest at release: a frame's
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
	if err := s.writeLocked(nil, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeFrame writes a final, unmasked frame (RFC 6455 section 5.2) of
// opcode holding payload, as one write: no frame another goroutine writes
// can fall between its header and its payload.
func (s *socketWriter) writeFrame(opcode byte, payload []byte) error {
	var b [10]byte
	h := append(b[:0], 0x80|opcode)
	switch n := len(payload); {
	case n < 126:
		h = append(h, byte(n))
	case n <= 0xffff:
		h = binary.BigEndian.AppendUint16(append(h, 126), uint16(n))
	default:
		h = binary.BigEndian.AppendUint64(append(h, 127), uint64(n))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(h, payload)
}

// writeLocked writes head then p (head may be nil), or keeps them back
// during a turn.
func (s *socketWriter) writeLocked(head, p []byte) error {
	if s.held == nil {
		if head == nil {
			_, err := s.nc.Write(p)
			return err
		}
		bufs := net.Buffers{head, p}
		_, err := bufs.WriteTo(s.nc)
		return err
	}
	h := *s.held
	if len(h)+len(head)+len(p) <= cap(h) {
		*s.held = append(append(h, head...), p...)
		return nil
	}
	*s.held = h[:0]
	bufs := net.Buffers{h, head, p}
	_, err := bufs.WriteTo(s.nc)
	return err
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

// flushHeld writes what the current turn keeps back, if any, and goes on
// with the turn. It gives up at once if a write is under way (a write
// stuck on a full socket must not hold up the close that ends it).
func (s *socketWriter) flushHeld() {
	if s == nil || !s.mu.TryLock() {
		return
	}
	defer s.mu.Unlock()
	if s.held != nil && len(*s.held) > 0 {
		s.nc.Write(*s.held)
		*s.held = (*s.held)[:0]
	}
}

// deadline sets the socket's write deadline (the zero time: none).
func (s *socketWriter) deadline(t time.Time) {
	if s != nil {
		s.nc.SetWriteDeadline(t)
	}
}

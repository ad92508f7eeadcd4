package gateway

import "sync"

// mailbox is a connection's outgoing queue: bounded, costing nothing while
// empty (an idle connection holds no preallocated slots), and drained
// whole by the writer, which sends everything queued in one write.
type mailbox struct {
	notify chan struct{} // holds a token while frames wait
	limit  int

	mu     sync.Mutex
	frames [][]byte
}

func newMailbox(limit int) *mailbox {
	return &mailbox{notify: make(chan struct{}, 1), limit: limit}
}

// push queues frame without blocking; false means the mailbox is full.
func (m *mailbox) push(frame []byte) bool {
	m.mu.Lock()
	if len(m.frames) >= m.limit {
		m.mu.Unlock()
		return false
	}
	m.frames = append(m.frames, frame)
	m.mu.Unlock()
	select {
	case m.notify <- struct{}{}:
	default:
	}
	return true
}

// take moves every queued frame into dst (reused by the caller) and
// returns it.
func (m *mailbox) take(dst [][]byte) [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	dst = append(dst[:0], m.frames...)
	clear(m.frames)
	if cap(m.frames) > 64 {
		m.frames = nil // a burst is over: give the memory back
	} else {
		m.frames = m.frames[:0]
	}
	return dst
}

// len returns how many frames wait.
func (m *mailbox) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.frames)
}

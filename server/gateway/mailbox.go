package gateway

import "sync"

// mailbox is a connection's outgoing queue: bounded, costing nothing while
// empty (an idle connection holds no preallocated slots and no writer
// goroutine), and drained whole by a writer that the first frame after an
// idle spell starts (see conn.drain), which sends everything queued in one
// write.
//
// It also admits the connection's short-lived goroutines (writers, pings)
// to workers: every Add happens under mu while the mailbox is open, and
// close shuts it under mu, so no Add can race the final Wait.
type mailbox struct {
	limit   int
	workers *sync.WaitGroup

	mu        sync.Mutex
	frames    [][]byte
	scheduled bool // a writer runs, or is about to: it takes what comes
	closed    bool // the connection is closing: nothing more is queued
}

func newMailbox(limit int, workers *sync.WaitGroup) *mailbox {
	return &mailbox{limit: limit, workers: workers}
}

// push queues frame without blocking. ok false means the mailbox is full;
// start true means no writer was scheduled: the caller must start one (it
// is already counted in workers). After close, frames are dropped.
func (m *mailbox) push(frame []byte) (ok, start bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return true, false
	}
	if len(m.frames) >= m.limit {
		return false, false
	}
	m.frames = append(m.frames, frame)
	if !m.scheduled {
		m.scheduled = true
		m.workers.Add(1)
		return true, true
	}
	return true, false
}

// take moves every queued frame into dst (reused by the caller) and
// returns it. Empty, it unschedules the writer, which must then stop: the
// next push starts another.
func (m *mailbox) take(dst [][]byte) [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.frames) == 0 || m.closed {
		m.scheduled = false
		return dst[:0]
	}
	return m.moveLocked(dst)
}

func (m *mailbox) moveLocked(dst [][]byte) [][]byte {
	dst = append(dst[:0], m.frames...)
	clear(m.frames)
	if cap(m.frames) > 64 {
		m.frames = nil // a burst is over: give the memory back
	} else {
		m.frames = m.frames[:0]
	}
	return dst
}

// admit counts one more of the connection's goroutines in workers, unless
// the mailbox is closed (then it returns false and the goroutine must not
// run).
func (m *mailbox) admit() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.workers.Add(1)
	return true
}

// close shuts the mailbox and returns what was still queued, for the
// closing flush.
func (m *mailbox) close(dst [][]byte) [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return m.moveLocked(dst)
}

// len returns how many frames wait.
func (m *mailbox) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.frames)
}

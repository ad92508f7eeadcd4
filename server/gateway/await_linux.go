package gateway

import "syscall"

// awaitFrame parks the reader until bytes of its next frame are there, in
// its read buffer or on the socket, and tells whether they are (false: the
// socket failed or closed, the connection is closing, or it cannot tell:
// then it does not wait either). It is called near the bottom of the
// reader's stack, so an idle connection sleeps with a shallow stack, which
// the garbage collector shrinks to 4 KiB; a reader parked inside
// coder/websocket's read sits about 3 KiB deep and keeps 8 KiB. A peek
// (MSG_PEEK, MSG_DONTWAIT) tells whether the socket has bytes; the
// runtime's poller wakes the reader when it does. Waiting consumes
// nothing, so it never races with coder/websocket's own reads.
func (c *conn) awaitFrame() bool {
	if c.raw == nil || c.earlyPending {
		return false
	}
	c.inMu.Lock()
	if c.inClosing {
		// Close may be reading the buffer: not even Buffered.
		c.inMu.Unlock()
		return false
	}
	buffered := c.in.Buffered()
	c.inMu.Unlock()
	if buffered > 0 {
		return true
	}
	ready := false
	var b [1]byte
	c.raw.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err == syscall.EAGAIN {
			return false // wait for the poller
		}
		ready = err == nil
		return true
	})
	return ready
}

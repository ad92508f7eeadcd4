package gateway

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
)

// poller watches the sockets of parked connections. An idle protocol
// connection's reader does not wait on a goroutine of its own: it puts its
// socket in the poller's epoll set (one-shot) and its goroutine ends,
// freeing the goroutine and its stack (5.3 KiB an idle connection in
// runtime stats at 10,000 idle ones, where the whole heap was 6 KiB one;
// resident memory is about twice both at the default GOGC). The poller's
// one goroutine waits on the set for them all and, when a socket has
// bytes, fails or is shut, starts that connection's reader again on a new
// goroutine. A socket closed here wakes no epoll set (the kernel drops it
// from the set): flushingConn tells the parking instead.
type poller struct {
	epfd int
	// wake is a pipe whose read end is in the set: a byte written to it
	// ends the goroutine (stop).
	wake [2]int
	done chan struct{}

	mu     sync.Mutex
	parked map[uint64]*parking // by token, the epoll event's data
	next   uint64
}

// wakeToken is the pipe's token; connections' tokens start at 1.
const wakeToken = 0

// newPoller returns a running poller.
func newPoller() (*poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	p := &poller{epfd: epfd, done: make(chan struct{}), parked: make(map[uint64]*parking)}
	if err := syscall.Pipe2(p.wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return nil, fmt.Errorf("poller pipe: %w", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: wakeToken}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p.wake[0], &ev); err != nil {
		p.closeFDs()
		return nil, fmt.Errorf("epoll: %w", err)
	}
	go p.loop()
	return p, nil
}

func (p *poller) closeFDs() {
	syscall.Close(p.wake[0])
	syscall.Close(p.wake[1])
	syscall.Close(p.epfd)
}

// stop ends the goroutine and closes the set. Nothing may be parked.
func (p *poller) stop() {
	syscall.Write(p.wake[1], []byte{1})
	<-p.done
	p.closeFDs()
}

// loop waits for ready sockets and resumes their connections.
func (p *poller) loop() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 128)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return // the set is broken; parked readers are woken by their sockets' close
		}
		for _, ev := range events[:n] {
			token := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			if token == wakeToken {
				return
			}
			p.mu.Lock()
			pk := p.parked[token]
			delete(p.parked, token)
			p.mu.Unlock()
			if pk != nil {
				pk.wake()
			}
		}
	}
}

// watch puts fd, whose reader parks as pk, in the set until its next
// readiness, and marks pk parked. The caller holds fd (inside
// RawConn.Control), so it cannot be closed and reused meanwhile. A socket
// already ready is reported at once. On error pk is running again unless
// its socket's close has already woken it (woken).
func (p *poller) watch(fd int, pk *parking) (woken bool, err error) {
	p.mu.Lock()
	p.next++
	token := p.next
	pk.p, pk.token = p, token
	p.parked[token] = pk
	p.mu.Unlock()
	ev := syscall.EpollEvent{
		Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT,
		Fd:     int32(uint32(token)),
		Pad:    int32(uint32(token >> 32)),
	}
	op := syscall.EPOLL_CTL_ADD
	if pk.inSet {
		op = syscall.EPOLL_CTL_MOD // one-shot: disabled since it fired
	}
	// Everything of pk is written before it is marked parked: once the
	// socket is armed, the reader may run again on another goroutine.
	wasInSet := pk.inSet
	pk.inSet = true
	pk.state.Store(parkParked)
	if err := syscall.EpollCtl(p.epfd, op, fd, &ev); err != nil {
		if !pk.state.CompareAndSwap(parkParked, parkRunning) {
			return true, err
		}
		pk.inSet = wasInSet
		p.forget(pk)
		return false, err
	}
	return false, nil
}

// count returns the number of parked readers.
func (p *poller) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.parked)
}

// forget drops pk's token (its socket closed while parked).
func (p *poller) forget(pk *parking) {
	p.mu.Lock()
	if p.parked[pk.token] == pk {
		delete(p.parked, pk.token)
	}
	p.mu.Unlock()
}

// awaitOrPark is awaitFrame for a reader that can park: when the socket has
// no bytes yet, it parks the reader instead of waiting (parked: the caller
// returns and its goroutine ends; run is started again on another).
func (c *conn) awaitOrPark() (ready, parked bool) {
	pk, p := c.park, c.g.poller()
	if c.raw == nil || c.earlyPending || pk == nil || p == nil {
		return c.awaitFrame(), false
	}
	c.inMu.Lock()
	closing := c.inClosing
	buffered := !closing && c.in.Buffered() > 0 // Close may be reading the buffer
	c.inMu.Unlock()
	if closing || buffered {
		return buffered, false
	}
	const (
		failed = iota
		hasBytes
		wait // the poller refused: wait here
		isParked
	)
	res := failed
	var b [1]byte
	err := c.raw.Control(func(fd uintptr) {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil:
			res = hasBytes // or the peer's end of stream
		case err == syscall.EAGAIN:
			res = isParked
			if woken, err := p.watch(int(fd), pk); err != nil && !woken {
				res = wait
			}
		}
	})
	switch {
	case err != nil:
		return false, false
	case res == wait:
		return c.awaitFrame(), false
	case res != isParked:
		return res == hasBytes, false
	}
	// The socket may have closed before the reader parked, and nothing
	// would wake it: then it takes itself back.
	if pk.closed.Load() && pk.state.CompareAndSwap(parkParked, parkRunning) {
		p.forget(pk)
		return false, false
	}
	return false, true
}

// poller returns the gateway's poller, started on first use; nil once the
// gateway has stopped or where the system refuses one (readers wait on
// their own goroutines then).
func (g *Gateway) poller() *poller {
	if p := g.poll.Load(); p != nil {
		return p
	}
	g.pollMu.Lock()
	defer g.pollMu.Unlock()
	if p := g.poll.Load(); p != nil || g.pollOff {
		return p
	}
	p, err := newPoller()
	if err != nil {
		g.log.Warn("idle readers cannot park; each waits on a goroutine", "err", err)
		g.pollOff = true
		return nil
	}
	g.poll.Store(p)
	return p
}

// stopPoller stops the poller once no connection is left (so no reader
// holds it); no reader parks after.
func (g *Gateway) stopPoller() {
	g.pollMu.Lock()
	defer g.pollMu.Unlock()
	if p := g.poll.Swap(nil); p != nil {
		p.stop()
	}
	g.pollOff = true
}

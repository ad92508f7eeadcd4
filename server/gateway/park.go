package gateway

import "sync/atomic"

// parking is a protocol connection's reader towards the gateway's poller
// (see awaitOrPark). The conn and the flushingConn that closes its socket
// share it.
type parking struct {
	state  atomic.Int32 // parkRunning or parkParked
	closed atomic.Bool  // the socket has been closed
	// resume starts the reader again on a new goroutine (conn.run).
	resume func()
	// Set by the reader before it parks (p, inSet) and under p's mutex
	// (token).
	p     *poller
	token uint64
	inSet bool // the socket is in p's epoll set
}

const (
	parkRunning int32 = iota
	parkParked
)

// wake starts the parked reader again, once, whoever calls first: the
// poller (the socket has bytes or failed) or the socket's close.
func (pk *parking) wake() bool {
	if !pk.state.CompareAndSwap(parkParked, parkRunning) {
		return false
	}
	pk.resume()
	return true
}

// socketClosed is called once the socket is closed: the kernel has dropped
// it from the epoll set, so a parked reader is started here (it finds the
// socket closed and ends the connection).
func (pk *parking) socketClosed() {
	pk.closed.Store(true)
	if pk.state.CompareAndSwap(parkParked, parkRunning) {
		pk.p.forget(pk)
		pk.resume()
	}
}

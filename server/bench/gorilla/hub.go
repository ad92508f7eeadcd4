package main

import (
	"context"
	"log"
	"sync"
)

// rooms finds or starts the hub of each room. A room's hub runs from its
// first client's arrival until its last one leaves (or the server stops).
// Safe for concurrent use.
type rooms struct {
	ctx context.Context // the server's: its end stops every hub
	log *log.Logger
	wg  sync.WaitGroup // hubs and connection goroutines

	mu     sync.Mutex
	byKey  map[string]*hub
	closed bool // set by wait: no client enters after it
}

func newRooms(ctx context.Context, l *log.Logger) *rooms {
	return &rooms{ctx: ctx, log: l, byKey: make(map[string]*hub)}
}

// wait refuses new clients and returns once every hub and connection
// goroutine has ended. The server's context must have ended first.
func (rs *rooms) wait() {
	rs.mu.Lock()
	rs.closed = true
	rs.mu.Unlock()
	rs.wg.Wait()
}

// enter returns room's hub, starting it if the room is new, and counts one
// more client in it, or returns nil once wait has been called. Every
// non-nil enter is paired with a leave, and has added two to rs.wg for the
// client's reader and writer: each calls rs.wg.Done as it ends.
func (rs *rooms) enter(room string) *hub {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.closed {
		return nil
	}
	rs.wg.Add(2)
	h := rs.byKey[room]
	if h == nil {
		h = newHub()
		rs.byKey[room] = h
		rs.wg.Go(func() { h.run(rs.ctx) })
	}
	h.members++
	return h
}

// leave counts one client out of room; the last one out stops its hub.
// The client has unregistered (or never registered) by then, and no
// reader of the room is left to broadcast to it.
func (rs *rooms) leave(room string, h *hub) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if h.members--; h.members == 0 {
		delete(rs.byKey, room)
		close(h.empty)
	}
}

// hub is one room: its goroutine alone holds the set of clients, and
// every change and every broadcast goes through its channels, as in
// gorilla's examples/chat.
type hub struct {
	members int // clients entered and not yet left; guarded by rooms.mu

	register   chan *client
	unregister chan *client
	broadcast  chan []byte
	empty      chan struct{} // closed by rooms.leave when the last client leaves
	done       chan struct{} // closed when run returns
}

func newHub() *hub {
	return &hub{
		register:   make(chan *client),
		unregister: make(chan *client),
		broadcast:  make(chan []byte),
		empty:      make(chan struct{}),
		done:       make(chan struct{}),
	}
}

// run serves the room until it is empty or ctx ends; then it closes the
// send queue of every client still registered, which makes their writers
// close the connections.
func (h *hub) run(ctx context.Context) {
	defer close(h.done)
	clients := make(map[*client]struct{})
	for {
		select {
		case c := <-h.register:
			clients[c] = struct{}{}
		case c := <-h.unregister:
			if _, ok := clients[c]; ok {
				delete(clients, c)
				close(c.send)
			}
		case msg := <-h.broadcast:
			for c := range clients {
				select {
				case c.send <- msg:
				default:
					// A client whose queue is full is too slow: drop it
					// rather than stall the room (its writer closes it).
					delete(clients, c)
					close(c.send)
				}
			}
		case <-h.empty:
			return
		case <-ctx.Done():
			for c := range clients {
				close(c.send)
			}
			return
		}
	}
}

package counter

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// counter is one counter with clients on this node. Its Store
// subscriptions feed apply and onAnnouncement; its lock guards everything
// below mu.
type counter struct {
	name    string
	cs      *Counters
	ready   chan struct{} // closed once init is done (initErr says how)
	initErr error
	joining int // Joins under way (guarded by cs.mu)

	update sync.Mutex // serialises this node's changes

	mu      sync.Mutex
	closed  bool
	subs    []Subscription
	clients map[string]Client
	value   Value // the newest value seen
	// lastState is when the last state went to the clients; stateTimer,
	// if set, sends the newest value when StateInterval has passed.
	lastState  time.Time
	stateTimer *time.Timer
	nodes      map[string]nodeCount // other nodes' clients counts
	count      int                  // the last count sent to clients
}

type nodeCount struct {
	clients int
	seen    time.Time
}

func newCounter(cs *Counters, name string) *counter {
	return &counter{
		name: name, cs: cs, ready: make(chan struct{}),
		clients: make(map[string]Client), nodes: make(map[string]nodeCount),
	}
}

// init watches the value and the announcements, then reads the value and
// asks the other nodes for their counts. Called once, by the goroutine that
// created the counter.
func (c *counter) init(ctx context.Context) {
	defer close(c.ready)
	w, err := c.cs.store.WatchCounter(c.name, c.apply)
	if err != nil {
		c.initErr = err
		return
	}
	a, err := c.cs.store.SubscribeCounter(c.name, c.onAnnouncement)
	if err != nil {
		w.Unsubscribe()
		c.initErr = err
		return
	}
	// Read after watching: nothing stored in between is missed.
	v, err := c.cs.store.LoadCounter(ctx, c.name)
	if err != nil {
		w.Unsubscribe()
		a.Unsubscribe()
		c.initErr = err
		return
	}
	c.mu.Lock()
	c.subs = []Subscription{w, a}
	c.mu.Unlock()
	c.apply(v)
	if err := c.cs.store.AnnounceCounter(c.name, Announcement{Node: c.cs.opts.Node, Sync: true}); err != nil {
		c.cs.log.Warn("counter announce failed", "counter", c.name, "err", err)
	}
}

// apply takes a stored value (from the watch, a load or this node's own
// change) and, if it is newer than what the clients have, sends it to them:
// at once, or if a state went out less than StateInterval ago, then (with
// the newest value by that time: a burst of changes is one state per
// interval, never a queue of stale values).
func (c *counter) apply(v Value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || (v.Rev <= c.value.Rev && c.value.Rev != 0) {
		return
	}
	c.value = v
	if c.stateTimer != nil {
		return // the pending send takes the newest value
	}
	if wait := c.cs.opts.StateInterval - time.Since(c.lastState); wait > 0 {
		c.stateTimer = time.AfterFunc(wait, c.sendState)
		return
	}
	c.sendStateLocked()
}

// sendState is the delayed send of apply.
func (c *counter) sendState() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stateTimer = nil
	if !c.closed {
		c.sendStateLocked()
	}
}

func (c *counter) sendStateLocked() {
	c.lastState = time.Now()
	c.broadcastLocked(protocol.CounterEvent{Type: protocol.CounterState, Value: c.value.N})
}

// onAnnouncement records another node's clients count, or answers a sync.
func (c *counter) onAnnouncement(a Announcement) {
	if a.Node == c.cs.opts.Node {
		return
	}
	if a.Sync {
		c.announce()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if a.Clients == 0 {
		delete(c.nodes, a.Node)
	} else {
		c.nodes[a.Node] = nodeCount{clients: a.Clients, seen: time.Now()}
	}
	c.countChangedLocked(nil)
}

// restate announces this node's count again and forgets silent nodes.
func (c *counter) restate(now time.Time) {
	c.announce()
	c.mu.Lock()
	defer c.mu.Unlock()
	for node, n := range c.nodes {
		if now.Sub(n.seen) > c.cs.opts.AnnounceTTL {
			delete(c.nodes, node)
			c.cs.log.Info("counter clients expired", "counter", c.name, "node", node)
		}
	}
	c.countChangedLocked(nil)
}

// announce tells the other nodes how many clients this node has.
func (c *counter) announce() {
	c.mu.Lock()
	n, closed := len(c.clients), c.closed
	c.mu.Unlock()
	if closed {
		return
	}
	if err := c.cs.store.AnnounceCounter(c.name, Announcement{Node: c.cs.opts.Node, Clients: n}); err != nil {
		c.cs.log.Warn("counter announce failed", "counter", c.name, "err", err)
	}
}

// countChangedLocked sends the cluster's clients count to every client when
// it changed, and to newcomer (if set) in any case.
func (c *counter) countChangedLocked(newcomer Client) {
	total := len(c.clients)
	for _, n := range c.nodes {
		total += n.clients
	}
	ev := protocol.CounterEvent{Type: protocol.CounterUsers, Count: total}
	if total != c.count {
		c.count = total
		c.broadcastLocked(ev)
	} else if newcomer != nil {
		deliver(newcomer, ev)
	}
}

func (c *counter) broadcastLocked(ev protocol.CounterEvent) {
	frame, err := ev.Encode()
	if err != nil {
		return
	}
	for _, cl := range c.clients {
		cl.Deliver(frame)
	}
}

// unsubscribe ends the counter's subscriptions (it has no clients left).
func (c *counter) unsubscribe() {
	c.mu.Lock()
	subs := c.subs
	c.subs = nil
	c.mu.Unlock()
	for _, s := range subs {
		s.Unsubscribe()
	}
}

// close ends the counter (the node stops).
func (c *counter) close() {
	c.mu.Lock()
	c.closed = true
	if c.stateTimer != nil {
		c.stateTimer.Stop()
		c.stateTimer = nil
	}
	c.mu.Unlock()
	c.unsubscribe()
}

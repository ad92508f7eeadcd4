// Package counter keeps Switchboard's shared counters (the /counter/{name}
// endpoint): each counter's value, durable in a Store and exact under
// concurrent changes from every node (compare-and-swap, retried on
// conflict), and how many clients are connected to it across the cluster.
// Like the hub, it imports no infrastructure: values and announcements go
// through a Store (package broker on NATS JetStream), and clients are
// reached through the Client interface.
//
// Every value a client sees travels one path: a change is stored, the
// Store's watch hands the stored value to every node with clients of that
// counter (this one included), and each node sends it to its clients.
// Values are ordered by their revision, so a client never sees an older
// value after a newer one.
package counter

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Client is a connection to a counter, as the Counters see it.
// Implementations must be safe for concurrent use.
type Client interface {
	// ID is unique among all connections of all nodes.
	ID() string
	// Deliver queues frame for the client without blocking (false when
	// its queue is full: its owner then closes it).
	Deliver(frame []byte) bool
}

// Value is a counter's value at a revision of the store (0: never set).
type Value struct {
	N   int64
	Rev uint64
}

// ErrConflict is returned by Store.SwapCounter when the counter moved on since the
// revision the caller read.
var ErrConflict = errors.New("counter changed meanwhile")

// Store keeps the values and carries the clients counts between nodes. The
// NATS JetStream implementation lives in package broker.
type Store interface {
	// LoadCounter returns the counter's current value (zero if never set).
	LoadCounter(ctx context.Context, name string) (Value, error)
	// SwapCounter stores n if the counter is still at rev (0: not set
	// yet) and returns the new revision, or ErrConflict.
	SwapCounter(ctx context.Context, name string, n int64, rev uint64) (uint64, error)
	// WatchCounter calls fn (sequentially) with every value stored from
	// now on, by any node, until the subscription ends.
	WatchCounter(name string, fn func(Value)) (Subscription, error)
	// AnnounceCounter sends a to every node with clients of counter name,
	// this one included.
	AnnounceCounter(name string, a Announcement) error
	// SubscribeCounter calls fn with every announcement about name.
	SubscribeCounter(name string, fn func(Announcement)) (Subscription, error)
}

// Subscription is an active Store subscription.
type Subscription interface {
	Unsubscribe() error
}

// Announcement tells the other nodes how many clients of a counter a node
// has (Clients), or asks them to say it now (Sync).
type Announcement struct {
	Node    string `json:"node"`
	Clients int    `json:"clients"`
	Sync    bool   `json:"sync,omitempty"`
}

// Options configure Counters. The zero value of each field means its default.
type Options struct {
	// Node names this server among the cluster's nodes. Required.
	Node string
	// AnnounceInterval is how often a node restates its clients counts.
	// Default 10 s.
	AnnounceInterval time.Duration
	// AnnounceTTL is how long a node's count holds without a restatement
	// (a dead node's clients stop counting after it). Default 30 s.
	AnnounceTTL time.Duration
	// MaxAttempts bounds the compare-and-swap attempts of one change.
	// Default 100.
	MaxAttempts int
	// StateInterval is the least time between two state events to a
	// counter's clients: changes in between are sent together, as the
	// newest value, when it has passed. Default 50 ms.
	StateInterval time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.AnnounceInterval <= 0 {
		o.AnnounceInterval = 10 * time.Second
	}
	if o.AnnounceTTL <= 0 {
		o.AnnounceTTL = 30 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 100
	}
	if o.StateInterval <= 0 {
		o.StateInterval = 50 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Counters are the counters with clients on this node. Safe for concurrent
// use; Run keeps the cluster's clients counts until its context ends.
type Counters struct {
	opts  Options
	store Store
	log   *slog.Logger

	mu       sync.Mutex
	counters map[string]*counter // with local clients, by name
}

// New returns Counters that keep values in store.
func New(store Store, opts Options) *Counters {
	opts.setDefaults()
	return &Counters{opts: opts, store: store, log: opts.Logger, counters: make(map[string]*counter)}
}

// Run restates this node's clients counts and forgets silent nodes' until
// ctx ends.
func (cs *Counters) Run(ctx context.Context) {
	t := time.NewTicker(cs.opts.AnnounceInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, c := range cs.list() {
				c.restate(now)
			}
		}
	}
}

// Close unsubscribes every counter.
func (cs *Counters) Close() {
	for _, c := range cs.list() {
		c.close()
	}
}

func (cs *Counters) list() []*counter {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	list := make([]*counter, 0, len(cs.counters))
	for _, c := range cs.counters {
		list = append(list, c)
	}
	return list
}

var errUnavailable = errors.New("the counter store is unavailable; try again")

// Join adds cl to counter name and sends it the value and the clients
// count; the other clients get the new count. Call Leave when it goes.
func (cs *Counters) Join(ctx context.Context, name string, cl Client) error {
	for {
		cs.mu.Lock()
		c := cs.counters[name]
		creator := c == nil
		if creator {
			c = newCounter(cs, name)
			cs.counters[name] = c
		}
		c.joining++
		cs.mu.Unlock()
		if creator {
			c.init(ctx)
		}
		<-c.ready
		if c.initErr != nil {
			cs.mu.Lock()
			c.joining--
			if cs.counters[name] == c {
				delete(cs.counters, name)
			}
			cs.mu.Unlock()
			cs.log.Warn("counter store failed", "op", "subscribe", "counter", name, "err", c.initErr)
			return errUnavailable
		}
		cs.mu.Lock()
		c.joining--
		cs.mu.Unlock()
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			continue // its last client left meanwhile: start a fresh one
		}
		c.clients[cl.ID()] = cl
		deliver(cl, protocol.CounterEvent{Type: protocol.CounterState, Value: c.value.N})
		c.countChangedLocked(cl)
		c.mu.Unlock()
		c.announce()
		return nil
	}
}

// Leave removes cl from counter name; the other clients get the new count.
func (cs *Counters) Leave(name string, cl Client) {
	cs.mu.Lock()
	c := cs.counters[name]
	cs.mu.Unlock()
	if c == nil {
		return
	}
	c.mu.Lock()
	if _, ok := c.clients[cl.ID()]; !ok {
		c.mu.Unlock()
		return
	}
	delete(c.clients, cl.ID())
	c.countChangedLocked(nil)
	c.mu.Unlock()
	c.announce()
	cs.closeIfEmpty(c)
}

// Add changes counter name by delta (a client of it is connected here): it
// stores the new value, retrying on conflict with other nodes, and every
// client of the counter then gets it.
func (cs *Counters) Add(ctx context.Context, name string, delta int64) error {
	cs.mu.Lock()
	c := cs.counters[name]
	cs.mu.Unlock()
	if c == nil {
		return errors.New("join the counter first")
	}
	// One change at a time per node: conflicts are then only with other
	// nodes, and each one means another node made progress.
	c.update.Lock()
	defer c.update.Unlock()
	c.mu.Lock()
	cur := c.value
	c.mu.Unlock()
	for attempt := 1; ; attempt++ {
		if (delta > 0 && cur.N > math.MaxInt64-delta) || (delta < 0 && cur.N < math.MinInt64-delta) {
			return errors.New("the counter is at its limit")
		}
		rev, err := cs.store.SwapCounter(ctx, name, cur.N+delta, cur.Rev)
		if err == nil {
			c.apply(Value{N: cur.N + delta, Rev: rev})
			return nil
		}
		if !errors.Is(err, ErrConflict) || attempt >= cs.opts.MaxAttempts {
			if errors.Is(err, ErrConflict) {
				return errors.New("the counter is too busy; try again")
			}
			cs.log.Warn("counter store failed", "op", "swap", "counter", name, "err", err)
			return errUnavailable
		}
		// Someone else stored first: read theirs, then try again after a
		// short random pause so the nodes do not collide in step.
		if cur, err = cs.store.LoadCounter(ctx, name); err != nil {
			cs.log.Warn("counter store failed", "op", "load", "counter", name, "err", err)
			return errUnavailable
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(rand.N(time.Duration(min(attempt, 10)) * time.Millisecond)):
		}
	}
}

// closeIfEmpty closes c if it has no clients and nobody is joining it.
func (cs *Counters) closeIfEmpty(c *counter) {
	cs.mu.Lock()
	c.mu.Lock()
	empty := len(c.clients) == 0 && c.joining == 0 && !c.closed
	if empty {
		c.closed = true
		if cs.counters[c.name] == c {
			delete(cs.counters, c.name)
		}
	}
	c.mu.Unlock()
	cs.mu.Unlock()
	if empty {
		c.close()
	}
}

// deliver encodes ev for one client.
func deliver(cl Client, ev protocol.CounterEvent) {
	if frame, err := ev.Encode(); err == nil {
		cl.Deliver(frame)
	}
}

// Package memory is an in-memory twin of package broker: the hub's ports
// (hub.Broker: room logs, the bus between nodes, bans, privacy and deletions, the
// directory, files) kept in one process's memory, for tests of the hub
// that need no NATS. Several nodes share one Cluster, as nodes share one
// JetStream. The conformance suite in broker/brokertest runs against both
// implementations, so the twin behaves as the real one does.
//
// Events are stored and delivered as JSON, as JetStream stores them: what
// a reader gets is a copy decoded from the stored bytes, never the
// appender's value.
package memory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Options size a Cluster. The zero value of each field means its default,
// the same as package broker's.
type Options struct {
	// HistorySize is how many events each room keeps. Default 1,000.
	HistorySize int
	// FeedSize is how many feed events each room keeps. Default 10,000.
	FeedSize int
	// DuplicateWindow is how long a message id is remembered for
	// deduplication. Default 2 minutes.
	DuplicateWindow time.Duration
	// Now is the clock (for the duplicate window). Default time.Now.
	Now func() time.Time
}

func (o *Options) setDefaults() {
	if o.HistorySize <= 0 {
		o.HistorySize = 1000
	}
	if o.FeedSize <= 0 {
		o.FeedSize = 10000
	}
	if o.DuplicateWindow <= 0 {
		o.DuplicateWindow = 2 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Cluster is what the nodes of one in-memory deployment share: the room
// logs, the bus, bans, privacy and files. Safe for concurrent use.
type Cluster struct {
	opts   Options
	msgs   *eventLog
	points *eventLog
	bus    *bus

	mu      sync.Mutex
	bans    map[string]time.Time // room + "\x00" + user
	private map[string]bool
	deleted map[deletedKey]bool
	files   map[string]storedFile
	act     activity
}

// New returns an empty Cluster.
func New(opts Options) *Cluster {
	opts.setDefaults()
	b := newBus()
	c := &Cluster{
		opts:    opts,
		bus:     b,
		bans:    make(map[string]time.Time),
		private: make(map[string]bool),
		deleted: make(map[deletedKey]bool),
		files:   make(map[string]storedFile),
		act:     activity{states: make(map[string]protocol.Event), ids: make(map[string]seen)},
	}
	c.msgs = newEventLog(opts, opts.HistorySize, func(room string, frame []byte) { b.publish(room, kindEvent, frame) })
	c.points = newEventLog(opts, opts.FeedSize, func(room string, frame []byte) { b.publish(room, kindPoints, frame) })
	return c
}

// Node returns one node's broker on the cluster. Every node sees the
// others' events, presence, relayed events and directory reports.
func (c *Cluster) Node() *Broker { return &Broker{c: c} }

// Broker is one node's view of a Cluster. It implements hub.Broker.
type Broker struct{ c *Cluster }

var _ hub.Broker = (*Broker)(nil)

// done reports ctx's error, as a JetStream call does when its context
// has ended before it was made.
func done(ctx context.Context) error { return ctx.Err() }

// Ban keeps user out of room until the given time (kept to the
// millisecond, as the NATS broker stores it).
func (b *Broker) Ban(ctx context.Context, room, user string, until time.Time) error {
	if err := done(ctx); err != nil {
		return err
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	b.c.bans[room+"\x00"+user] = time.UnixMilli(until.UnixMilli())
	return nil
}

// BannedUntil returns when user's ban from room ends (zero if none).
func (b *Broker) BannedUntil(ctx context.Context, room, user string) (time.Time, error) {
	if err := done(ctx); err != nil {
		return time.Time{}, err
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	return b.c.bans[room+"\x00"+user], nil
}

// SetPrivate declares room private (or public again).
func (b *Broker) SetPrivate(ctx context.Context, room string, private bool) error {
	if err := done(ctx); err != nil {
		return err
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	if private {
		b.c.private[room] = true
	} else {
		delete(b.c.private, room)
	}
	return nil
}

// Private reports whether room was declared private.
func (b *Broker) Private(ctx context.Context, room string) (bool, error) {
	if err := done(ctx); err != nil {
		return false, err
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	return b.c.private[room], nil
}

// MarkDeleted records that message offset of room was deleted (kept for
// the twin's life).
func (b *Broker) MarkDeleted(ctx context.Context, room string, offset uint64) error {
	if err := done(ctx); err != nil {
		return err
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	b.c.deleted[deletedKey{room, offset}] = true
	return nil
}

// Deleted reports whether MarkDeleted recorded message offset of room.
func (b *Broker) Deleted(ctx context.Context, room string, offset uint64) (bool, error) {
	if err := done(ctx); err != nil {
		return false, err
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	return b.c.deleted[deletedKey{room, offset}], nil
}

// deletedKey names a deleted message.
type deletedKey struct {
	room   string
	offset uint64
}

// newEpoch returns a random epoch, as the NATS broker makes one for a room
// whose history starts (again).
func newEpoch() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

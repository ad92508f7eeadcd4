package broker

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// eventLog is one per-room sequence of stored events in a JetStream stream:
// a room's messages (subject sb.room.<room>) or its feed points (subject
// sb.feed.<room>). Each has its own stream, so each has its own retention.
// It implements hub.Log; safe for concurrent use.
type eventLog struct {
	js      jetstream.JetStream
	stream  jetstream.Stream
	name    string // the stream's name
	subject string // the per-room subject prefix, e.g. "sb.room."
	timeout time.Duration

	nc  *nats.Conn // for atomic batches, which jetstream.Publish does not send
	log *slog.Logger
	// stored, if set, is told of every n events stored in one round trip
	// that took d (the node's metrics).
	stored func(n int, d time.Duration)

	mu    sync.Mutex
	heads map[string]*roomHead // append state per room, created on first use

	// minBatch is the fewest queued appends stored as one atomic batch;
	// fewer go one by one (see MinAtomicBatch).
	minBatch  int
	noBatches atomic.Bool   // the stream refused an atomic batch: append one by one
	batches   atomic.Uint64 // atomic batches stored
	batched   atomic.Uint64 // events stored in them
}

var _ hub.Log = (*eventLog)(nil)

// openLog creates or updates the stream of cfg, which stores subject
// followed by the room name (retrying while a cluster elects its JetStream
// leader), and returns its log. The stream also stores extra subjects.
func openLog(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, cfg jetstream.StreamConfig, subject string, timeout time.Duration, log *slog.Logger, extra ...string) (*eventLog, error) {
	cfg.Subjects = append([]string{subject + "*"}, extra...)
	l := &eventLog{
		js: js, nc: nc, name: cfg.Name, subject: subject, log: log,
		timeout: timeout, heads: make(map[string]*roomHead),
		minBatch: MinAtomicBatch(cfg.Replicas),
		stored:   func(int, time.Duration) {},
	}
	err := retry(ctx, func(ctx context.Context) (err error) {
		l.stream, err = js.CreateOrUpdateStream(ctx, cfg)
		return err
	})
	return l, err
}

// roomHead is what this node knows of a room's last stored event, and the
// appends waiting to be stored after it. Only the room's writer (see
// AppendAsync) reads or changes known, epoch, offset and seq.
type roomHead struct {
	known  bool
	epoch  string
	offset uint64
	seq    uint64 // stream sequence of the room's last event

	qmu     sync.Mutex
	queue   []*pendingAppend
	writing bool // the room has a writer goroutine
}

func (l *eventLog) head(room string) *roomHead {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.heads[room]
	if h == nil {
		h = &roomHead{}
		l.heads[room] = h
	}
	return h
}

// Append stores a room message. See hub.Broker.
func (b *Broker) Append(ctx context.Context, room, msgID string, ev protocol.Event) (protocol.Event, bool, error) {
	return b.msgs.Append(ctx, room, msgID, ev)
}

// AppendAsync queues a room message. See hub.Broker.
func (b *Broker) AppendAsync(room, msgID string, ev protocol.Event, done func(protocol.Event, bool, error)) {
	b.msgs.AppendAsync(room, msgID, ev, done)
}

// Position returns where the room's messages stand. See hub.Broker.
func (b *Broker) Position(ctx context.Context, room string) (hub.Position, error) {
	return b.msgs.Position(ctx, room)
}

// Read returns stored room messages. See hub.Broker.
func (b *Broker) Read(ctx context.Context, room string, from uint64, limit int) ([]protocol.Event, error) {
	return b.msgs.Read(ctx, room, from, limit)
}

// Points returns the log of the rooms' feed points.
func (b *Broker) Points() hub.Log { return b.points }

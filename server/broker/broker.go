// Package broker implements hub.Broker on NATS JetStream: one stream stores
// every room's events (subject sb.room.<room>), JetStream republishes each
// stored event to sb.live.<room> for the nodes with members in that room, and
// presence travels on sb.pres.<room>. It also implements counter.Store: the
// shared counters' values in a key-value bucket, and their clients counts
// on sb.ctr.<name>. Only this package imports nats.go.
//
// Offsets are per room, start at 1 and have no gaps: each append names the
// stream sequence of the room's previous event (JetStream's
// Nats-Expected-Last-Subject-Sequence), so two nodes appending to one room
// at once cannot both take the same offset; the loser re-reads and retries.
// Appends that arrive while one is in flight are stored together in one
// atomic batch (group commit), so a busy room is not limited to one message
// per JetStream round trip.
package broker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/metrics"
)

// Subjects and headers of the stored and live events.
const (
	roomSubject      = "sb.room."
	liveSubject      = "sb.live."
	presenceSubject  = "sb.pres."
	relaySubject     = "sb.eph."
	directorySubject = "sb.dir"
	hdrEpoch         = "Sb-Epoch"
	hdrOffset        = "Sb-Offset"
)

// Options configure a Broker. The zero value of each field means its default.
type Options struct {
	// Stream is the JetStream stream name. Default "SWITCHBOARD_ROOMS".
	Stream string
	// HistorySize is how many events each room keeps. Default 1000.
	HistorySize int64
	// HistoryAge is how long events are kept. Default 7 days.
	HistoryAge time.Duration
	// DuplicateWindow is how long a message id is remembered for
	// deduplication. Default 2 minutes.
	DuplicateWindow time.Duration
	// Replicas is the stream's replica count (1 on one node; 3 on a cluster
	// for durability across node failures). Default 1.
	Replicas int
	// Timeout bounds each JetStream request. Default 5 s.
	Timeout time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics receives store counts and latencies. Default: collectors
	// registered nowhere.
	Metrics *metrics.Metrics
}

func (o *Options) setDefaults() {
	if o.Metrics == nil {
		o.Metrics = metrics.New(false)
	}
	if o.Stream == "" {
		o.Stream = "SWITCHBOARD_ROOMS"
	}
	if o.HistorySize <= 0 {
		o.HistorySize = 1000
	}
	if o.HistoryAge <= 0 {
		o.HistoryAge = 7 * 24 * time.Hour
	}
	if o.DuplicateWindow <= 0 {
		o.DuplicateWindow = 2 * time.Minute
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Broker is the NATS JetStream hub.Broker. Safe for concurrent use.
type Broker struct {
	opts   Options
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	log    *slog.Logger

	mu    sync.Mutex
	rooms map[string]*roomHead // append state per room, created on first use

	bans     jetstream.KeyValue // who is banned from which room, until when
	counters jetstream.KeyValue // the shared counters' values

	noBatches atomic.Bool   // the stream refused an atomic batch: append one by one
	batches   atomic.Uint64 // atomic batches stored
	batched   atomic.Uint64 // events stored in them
}

// roomHead is what this node knows of a room's last stored event, and the
// appends waiting to be stored after it. Only the room's writer (see
// Append) reads or changes known, epoch, offset and seq.
type roomHead struct {
	known  bool
	epoch  string
	offset uint64
	seq    uint64 // stream sequence of the room's last event

	qmu     sync.Mutex
	queue   []*pendingAppend
	writing bool // a caller is the room's writer
}

var _ hub.Broker = (*Broker)(nil)

// New returns a Broker on nc, creating or updating the stream.
func New(ctx context.Context, nc *nats.Conn, opts Options) (*Broker, error) {
	opts.setDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("broker: jetstream: %w", err)
	}
	cfg := jetstream.StreamConfig{
		Name:              opts.Stream,
		Description:       "Switchboard room events",
		Subjects:          []string{roomSubject + "*"},
		Storage:           jetstream.FileStorage,
		Retention:         jetstream.LimitsPolicy,
		MaxMsgsPerSubject: opts.HistorySize,
		MaxAge:            opts.HistoryAge,
		Duplicates:        opts.DuplicateWindow,
		Replicas:          opts.Replicas,
		Discard:           jetstream.DiscardOld,
		AllowDirect:       false, // reads go to the leader: read-after-write
		// Appends that queue up behind one room's writer are stored as one
		// atomic batch (group commit; see Append).
		AllowAtomicPublish: true,
		RePublish: &jetstream.RePublish{
			Source:      roomSubject + "*",
			Destination: liveSubject + "{{wildcard(1)}}",
		},
	}
	// A cluster that is still electing its JetStream leader refuses for a
	// while: retry until it answers or 30 s have passed.
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b := &Broker{
		opts:  opts,
		nc:    nc,
		js:    js,
		log:   opts.Logger,
		rooms: make(map[string]*roomHead),
	}
	err = retry(cctx, func(ctx context.Context) (err error) {
		b.stream, err = js.CreateOrUpdateStream(ctx, cfg)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("broker: create stream %s: %w", opts.Stream, err)
	}
	if err := retry(cctx, func(ctx context.Context) (err error) {
		b.bans, err = b.openBans(ctx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("broker: bans bucket: %w", err)
	}
	if err := retry(cctx, func(ctx context.Context) (err error) {
		b.counters, err = b.openCounters(ctx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("broker: counters bucket: %w", err)
	}
	return b, nil
}

// retry calls f (each call bounded to 5 s) until it succeeds or ctx ends.
func retry(ctx context.Context, f func(context.Context) error) error {
	for {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := f(rctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Ready reports whether JetStream answers: the connection is up and the
// stream can be read.
func (b *Broker) Ready(ctx context.Context) error {
	if !b.nc.IsConnected() {
		return errors.New("not connected to NATS")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := b.stream.Info(ctx); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	return nil
}

func (b *Broker) head(room string) *roomHead {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.rooms[room]
	if h == nil {
		h = &roomHead{}
		b.rooms[room] = h
	}
	return h
}

func newEpoch() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

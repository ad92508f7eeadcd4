// Package broker implements hub.Broker on NATS JetStream: one stream stores
// every room's events (subject sb.room.<room>), JetStream republishes each
// stored event to sb.live.<room> for the nodes with members in that room, and
// presence travels on sb.pres.<room>. A second stream, with its own
// retention, stores the rooms' feed points (sb.feed.<room>, republished to
// sb.flive.<room>). It also implements counter.Store: the shared counters'
// values in a key-value bucket, and their clients counts on sb.ctr.<name>.
// Readiness (Ready) is proved by a write: each node's name and the time in
// the health bucket. Only this package imports nats.go.
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
	feedSubject      = "sb.feed."
	feedLiveSubject  = "sb.flive."
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
	// FeedStream is the JetStream stream of the rooms' feed points.
	// Default "SWITCHBOARD_FEEDS".
	FeedStream string
	// FeedSize is how many feed events (each one or more points) each
	// room keeps. Default 10,000.
	FeedSize int64
	// FeedAge is how long feed events are kept. Default 24 hours.
	FeedAge time.Duration
	// FilesBucket is the JetStream object store of uploaded files.
	// Default "SWITCHBOARD_FILES".
	FilesBucket string
	// FilesAge is how long uploaded files are kept. Default: HistoryAge
	// (files live as long as the messages that show them).
	FilesAge time.Duration
	// FilesMaxBytes bounds the object store; uploads beyond fail. Default
	// 1 GiB.
	FilesMaxBytes int64
	// DeletedAge is how long a message's deletion is remembered apart
	// from its stream (Deleted): at least the longest time a message may
	// be edited. Default 24 hours.
	DeletedAge time.Duration
	// Replicas is the streams' replica count (1 on one node; 3 on a cluster
	// for durability across node failures). Default 1.
	Replicas int
	// Timeout bounds each JetStream request. Default 5 s.
	Timeout time.Duration
	// Node names this node in the health bucket (see Ready). Default: a
	// random name.
	Node string
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
	if o.FeedStream == "" {
		o.FeedStream = "SWITCHBOARD_FEEDS"
	}
	if o.FeedSize <= 0 {
		o.FeedSize = 10000
	}
	if o.FeedAge <= 0 {
		o.FeedAge = 24 * time.Hour
	}
	if o.FilesBucket == "" {
		o.FilesBucket = "SWITCHBOARD_FILES"
	}
	if o.FilesAge <= 0 {
		o.FilesAge = o.HistoryAge
	}
	if o.FilesMaxBytes <= 0 {
		o.FilesMaxBytes = 1 << 30
	}
	if o.DuplicateWindow <= 0 {
		o.DuplicateWindow = 2 * time.Minute
	}
	if o.DeletedAge <= 0 {
		o.DeletedAge = 24 * time.Hour
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
	if o.Node == "" {
		o.Node = "n" + newEpoch()
	}
}

// Broker is the NATS JetStream hub.Broker. Safe for concurrent use.
type Broker struct {
	opts   Options
	nc     *nats.Conn
	js     jetstream.JetStream
	msgs   *eventLog // the rooms' messages
	points *eventLog // the rooms' feed points
	log    *slog.Logger

	bans     jetstream.KeyValue    // who is banned from which room, until when
	deleted  jetstream.KeyValue    // which messages were deleted lately
	counters jetstream.KeyValue    // the shared counters' values
	files    jetstream.ObjectStore // uploaded files
	health   jetstream.KeyValue    // each node's last readiness write

	// readyMu serialises readiness probes; readyAt and readyErr are the
	// last probe's time and answer, reused for readyCache.
	readyMu  sync.Mutex
	readyAt  time.Time
	readyErr error
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
		opts: opts,
		nc:   nc,
		js:   js,
		log:  opts.Logger,
	}
	if b.msgs, err = openLog(cctx, nc, js, cfg, roomSubject, opts.Timeout, opts.Logger, actSubject+">"); err != nil {
		return nil, fmt.Errorf("broker: create stream %s: %w", opts.Stream, err)
	}
	feeds := cfg
	feeds.Name, feeds.Description = opts.FeedStream, "Switchboard feed points"
	feeds.MaxMsgsPerSubject, feeds.MaxAge = opts.FeedSize, opts.FeedAge
	feeds.RePublish = &jetstream.RePublish{
		Source:      feedSubject + "*",
		Destination: feedLiveSubject + "{{wildcard(1)}}",
	}
	b.msgs.stored = func(n int, d time.Duration) {
		for range n {
			opts.Metrics.StoreSeconds.Observe(d.Seconds())
		}
		opts.Metrics.MessagesStored.Add(float64(n))
	}
	if b.points, err = openLog(cctx, nc, js, feeds, feedSubject, opts.Timeout, opts.Logger); err != nil {
		return nil, fmt.Errorf("broker: create stream %s: %w", opts.FeedStream, err)
	}
	if err := retry(cctx, func(ctx context.Context) (err error) {
		b.bans, err = b.openBans(ctx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("broker: bans bucket: %w", err)
	}
	if err := retry(cctx, func(ctx context.Context) (err error) {
		b.deleted, err = b.openDeleted(ctx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("broker: deleted bucket: %w", err)
	}
	if err := retry(cctx, func(ctx context.Context) (err error) {
		b.counters, err = b.openCounters(ctx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("broker: counters bucket: %w", err)
	}
	if err := retry(cctx, func(ctx context.Context) (err error) {
		b.files, err = b.openFiles(ctx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("broker: files bucket: %w", err)
	}
	if err := retry(cctx, func(ctx context.Context) (err error) {
		b.health, err = b.openHealth(ctx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("broker: health bucket: %w", err)
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

// healthBucket holds one key per node, the node's last readiness write
// (its name and the time). History 1: it never grows beyond one entry per
// node.
const healthBucket = "SWITCHBOARD_HEALTH"

// Readiness probe bounds: a probe's write waits at most readyTimeout, and
// its answer is reused for readyCache, so a load balancer polling /readyz
// often costs at most one JetStream write per second per node.
const (
	readyTimeout = 2 * time.Second
	readyCache   = time.Second
)

// openHealth creates or opens the health bucket, with the same replicas as
// the streams (a write to it proves what a message append needs).
func (b *Broker) openHealth(ctx context.Context) (jetstream.KeyValue, error) {
	return b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: healthBucket, Description: "Switchboard readiness probes", History: 1,
		Storage: jetstream.FileStorage, Replicas: b.opts.Replicas,
	})
}

// Ready reports whether JetStream is writable from this node: the NATS
// connection is up and a put of this node's name and the time into the
// health bucket is stored within readyTimeout. The write's answer is
// reused for readyCache; the connection check is made on every call. Safe
// for concurrent use: concurrent callers wait for one probe.
func (b *Broker) Ready(ctx context.Context) error {
	if !b.nc.IsConnected() {
		return errors.New("not connected to NATS")
	}
	b.readyMu.Lock()
	defer b.readyMu.Unlock()
	if !b.readyAt.IsZero() && time.Since(b.readyAt) < readyCache {
		return b.readyErr
	}
	// The answer is shared with other callers: the caller's cancellation
	// must not become everyone's "not ready".
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyTimeout)
	defer cancel()
	err := b.probeWrite(pctx)
	if err != nil {
		err = fmt.Errorf("jetstream not writable: %w", err)
	}
	b.readyAt, b.readyErr = time.Now(), err
	return err
}

// probeWrite puts this node's entry in the health bucket. A bucket that is
// gone (deleted by an operator) is created again once.
func (b *Broker) probeWrite(ctx context.Context) error {
	value := []byte(b.opts.Node + " " + time.Now().UTC().Format(time.RFC3339Nano))
	_, err := b.health.Put(ctx, healthKey(b.opts.Node), value)
	if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, jetstream.ErrStreamNotFound) {
		kv, oerr := b.openHealth(ctx)
		if oerr != nil {
			return err
		}
		b.health = kv
		_, err = b.health.Put(ctx, healthKey(b.opts.Node), value)
	}
	return err
}

// healthKey is node's key in the health bucket: the name with each byte a
// key may not hold replaced by '_'.
func healthKey(node string) string {
	k := []byte(node)
	for i, c := range k {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			k[i] = '_'
		}
	}
	if len(k) == 0 {
		return "_"
	}
	return string(k)
}

func newEpoch() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

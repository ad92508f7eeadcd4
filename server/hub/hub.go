// Package hub keeps Switchboard's rooms: who is in each room on this node and
// across the cluster (presence), and the fan-out of stored room events to the
// local connections in a room. It imports no infrastructure: events come from
// and go to a Broker, and connections are reached through the Conn interface.
//
// Every room event travels one path (DESIGN.md rule 1): Send stores it through
// the Broker, and the Broker's subscription hands it back to every node's hub,
// this one included, which encodes it once and queues the same bytes for each
// local member.
package hub

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Conn is a client connection as the hub sees it. Implementations must be
// safe for concurrent use.
type Conn interface {
	// ID is unique among all connections of all nodes.
	ID() string
	// User is the person behind the connection.
	User() protocol.User
	// Access is what the person may do: their role and the rooms they may
	// enter.
	Access() Access
	// Deliver queues frame for the connection without blocking. It returns
	// false when the connection's queue is full; the connection is then
	// closed by its owner and the hub drops it when it leaves.
	Deliver(frame []byte) bool
}

// Access is a person's role and the rooms they may enter.
type Access struct {
	// Role is protocol.RoleModerator, protocol.RoleAdmin, or empty.
	Role string
	// Rooms are patterns (path.Match) of the rooms the person may enter;
	// none means every public room.
	Rooms []string
}

// Options configure a Hub. The zero value of each field means its default.
type Options struct {
	// Node names this server among the cluster's nodes. Required.
	Node string
	// HistoryOnJoin is how many recent events a join without a resume
	// position receives. Default 100.
	HistoryOnJoin int
	// MaxRoomsPerConn is how many rooms one connection may be in. Default 32.
	MaxRoomsPerConn int
	// JoinBuffer is how many live events are held for a connection while its
	// join reads history; more makes it a slow consumer. Default 4096.
	JoinBuffer int
	// PresenceInterval is how often a node restates its members of each room
	// to the others. Default 10 s.
	PresenceInterval time.Duration
	// PresenceTTL is how long a node's members stay listed without a
	// restatement. Expiry is checked every PresenceTTL/PresenceExpiryChecks,
	// so the members of a node that died vanish from the others' presence
	// within PresenceTTL + PresenceTTL/PresenceExpiryChecks of its last
	// restatement: 26 s with the default of 25 s.
	PresenceTTL time.Duration
	// PrivateRooms are patterns (path.Match) of rooms only people whose
	// token names them may join, read or appear in. Default: none.
	PrivateRooms []string
	// EditWindow is how long after sending a message may be edited.
	// Default 15 minutes.
	EditWindow time.Duration
	// DirectoryInterval is how often the room directory is refreshed for
	// watchers (and this node's report sent when it changed). Default 1 s.
	DirectoryInterval time.Duration
	// FlushInterval is the shortest time between two frames a room sends
	// its members (fanout.go): the first event after a quiet interval goes
	// at once, later ones wait for the next flush and share its frame.
	// Default DefaultFlushInterval; negative: every event at once.
	FlushInterval time.Duration
	// RoomFramesPerSecond bounds the frames a busy room sends its members
	// per second in all, by lengthening its flush interval to members /
	// RoomFramesPerSecond when that is longer than FlushInterval.
	// Default DefaultRoomFramesPerSecond.
	RoomFramesPerSecond int
	// CursorTick is how often each room's members get the latest cursor
	// positions (at most one batch per tick). Default protocol.CursorTick.
	CursorTick time.Duration
	// FeedRooms are patterns (path.Match) of rooms whose feed anyone
	// allowed in may publish points to (besides publishers, moderators
	// and admins). Default: none.
	FeedRooms []string
	// FeedHistory is how many recent feed events a feed request without a
	// resume position receives. Default 600.
	FeedHistory int
	// MaxMessageChars is the longest message text, in characters, the
	// node stores (longer: invalid_text). Default and most
	// protocol.MaxTextRunes.
	MaxMessageChars int
	// Hooks, if set, are asked before joins and before people's messages
	// and edits are stored. Default: none.
	Hooks Hooks
	// Activity, if set, stores the rooms' activity (see ActivityLog and
	// activity.go): for webhooks. Default: none stored.
	Activity ActivityLog
	// ActivitySweep is how often the stored activity is checked for rooms
	// left occupied by people nobody has (see sweepActivity). Default
	// DefaultActivitySweep.
	ActivitySweep time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
	// Metrics receives room, membership, delivery and resume counts.
	// Default: none kept.
	Metrics Metrics
}

func (o *Options) setDefaults() {
	o.Metrics.setDefaults()
	if o.HistoryOnJoin <= 0 {
		o.HistoryOnJoin = 100
	}
	if o.FlushInterval == 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.RoomFramesPerSecond <= 0 {
		o.RoomFramesPerSecond = DefaultRoomFramesPerSecond
	}
	if o.CursorTick <= 0 {
		o.CursorTick = protocol.CursorTick
	}
	if o.ActivitySweep <= 0 {
		o.ActivitySweep = DefaultActivitySweep
	}
	if o.FeedHistory <= 0 {
		o.FeedHistory = 600
	}
	if o.MaxMessageChars <= 0 || o.MaxMessageChars > protocol.MaxTextRunes {
		o.MaxMessageChars = protocol.MaxTextRunes
	}
	if o.MaxRoomsPerConn <= 0 {
		o.MaxRoomsPerConn = 32
	}
	if o.JoinBuffer <= 0 {
		o.JoinBuffer = 4096
	}
	if o.PresenceInterval <= 0 {
		o.PresenceInterval = DefaultPresenceInterval
	}
	if o.PresenceTTL <= 0 {
		o.PresenceTTL = DefaultPresenceTTL
	}
	if o.EditWindow <= 0 {
		o.EditWindow = 15 * time.Minute
	}
	if o.DirectoryInterval <= 0 {
		o.DirectoryInterval = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// PresenceExpiryChecks is how many times per PresenceTTL each node looks for
// silent nodes whose members must be forgotten. Expiry runs on a tick of its
// own, not on the restatement interval, so the bound on how long a dead
// node's members stay listed is PresenceTTL plus this short period
// (PresenceTTL/PresenceExpiryChecks), not PresenceTTL plus PresenceInterval.
const PresenceExpiryChecks = 25

// DefaultPresenceTTL is Options.PresenceTTL's default: with the expiry
// check, a dead node's members are gone within 26 s.
const DefaultPresenceTTL = 25 * time.Second

// DefaultFlushInterval is Options.FlushInterval's default, chosen from
// `make bench` (README, Performance): short enough that a busy room's
// messages stay well inside p99 targets, long enough that a room of a
// thousand members costs each of them at most 100 writes a second.
const DefaultFlushInterval = 10 * time.Millisecond

// DefaultRoomFramesPerSecond is Options.RoomFramesPerSecond's default,
// chosen from `make bench`: a room of 1,000 flushes at most every 33 ms,
// one of 300 or fewer every FlushInterval. W2 (one room of 1,000) at
// 400 msg/s: p99 78 ms with 30,000 (13.5 messages per frame, under 4 KiB:
// one write each), 110-114 ms with 20,000 (20 per frame: past the 4 KiB
// write buffer, two writes each, and 50 ms waits), 108-114 ms with 40,000
// (server and load generator at a full core each).
const DefaultRoomFramesPerSecond = 30000

// DefaultActivitySweep is Options.ActivitySweep's default.
const DefaultActivitySweep = time.Minute

// DefaultPresenceInterval is Options.PresenceInterval's default.
const DefaultPresenceInterval = 10 * time.Second

// minExpiryCheck keeps a tiny PresenceTTL (tests) from spinning the expiry
// tick.
const minExpiryCheck = 10 * time.Millisecond

// ExpiryCheck returns how often o's silent nodes are looked for:
// PresenceTTL/PresenceExpiryChecks (1 s with the defaults), at least 10 ms.
func (o Options) ExpiryCheck() time.Duration {
	ttl := o.PresenceTTL
	if ttl <= 0 {
		ttl = DefaultPresenceTTL
	}
	return max(ttl/PresenceExpiryChecks, minExpiryCheck)
}

// Hub holds the rooms of one node. Its methods are safe for concurrent use;
// each connection's commands are expected one at a time (from its reader).
type Hub struct {
	opts   Options
	broker Broker
	log    *slog.Logger

	mu    sync.Mutex
	rooms map[string]*room               // rooms with local members, by name
	conns map[string]map[string]joinMode // rooms each connection is in, and how

	dir directory

	// activity queues person and room transitions for the activity
	// worker (nil without Options.Activity).
	activity chan activityJob
	// confirming bounds the absence checks running (confirms).
	confirming chan struct{}
	confirms   sync.WaitGroup
}

// New returns a Hub that stores and receives events through b.
func New(b Broker, opts Options) *Hub {
	opts.setDefaults()
	return &Hub{
		opts:       opts,
		broker:     b,
		log:        opts.Logger,
		rooms:      make(map[string]*room),
		conns:      make(map[string]map[string]joinMode),
		dir:        newDirectory(),
		confirming: make(chan struct{}, maxConfirming),
		activity: func() chan activityJob {
			if opts.Activity == nil {
				return nil
			}
			return make(chan activityJob, activityQueue)
		}(),
	}
}

// Run restates this node's presence every PresenceInterval, expires other
// nodes' every ExpiryCheck, keeps the room directory and sends the live
// cursors every CursorTick until ctx ends.
func (h *Hub) Run(ctx context.Context) error {
	sub, err := h.broker.SubscribeDirectory(h.dir.report)
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	presence := time.NewTicker(h.opts.PresenceInterval)
	defer presence.Stop()
	expiry := time.NewTicker(h.opts.ExpiryCheck())
	defer expiry.Stop()
	dir := time.NewTicker(h.opts.DirectoryInterval)
	defer dir.Stop()
	h.publishDirectory(true) // the other nodes learn of this one at once
	cursors := time.NewTicker(h.opts.CursorTick)
	defer cursors.Stop()
	var sweep <-chan time.Time
	if h.activity != nil {
		done := make(chan struct{})
		go func() { defer close(done); h.recordActivity(ctx) }()
		defer func() { <-done }()
		t := time.NewTicker(h.opts.ActivitySweep)
		defer t.Stop()
		sweep = t.C
	}
	var sweeping sync.WaitGroup // one sweep at a time
	defer sweeping.Wait()
	sweepBusy := false
	sweepDone := make(chan struct{}, 1)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-presence.C:
			for _, r := range h.roomList() {
				r.announceState()
			}
			h.publishDirectory(true)
		case <-expiry.C:
			now := h.opts.Now()
			for _, r := range h.roomList() {
				r.expire(now)
			}
		case <-cursors.C:
			h.flushCursors()
		case <-sweep:
			if !sweepBusy {
				sweepBusy = true
				sweeping.Go(func() {
					h.sweepActivity(ctx)
					sweepDone <- struct{}{}
				})
			}
		case <-sweepDone:
			sweepBusy = false
		case <-dir.C:
			h.publishDirectory(false)
			h.refreshDirectory()
		}
	}
}

// Close leaves every room and unsubscribes from the broker.
func (h *Hub) Close() {
	h.mu.Lock()
	rooms := h.rooms
	h.rooms = make(map[string]*room)
	h.conns = make(map[string]map[string]joinMode)
	h.mu.Unlock()
	h.opts.Metrics.Rooms.Set(0)
	h.opts.Metrics.Members.Set(0)
	for _, r := range rooms {
		r.close()
	}
}

func (h *Hub) roomList() []*room {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		list = append(list, r)
	}
	return list
}

var errUnavailable = &protocol.Error{Code: protocol.CodeUnavailable, Message: "the message store is unavailable; nothing was stored, try again"}

// unavailable logs err and returns the typed error clients see.
func (h *Hub) unavailable(op, room string, err error) *protocol.Error {
	if errors.Is(err, context.Canceled) {
		return errUnavailable
	}
	h.log.Warn("broker call failed", "op", op, "room", room, "err", err)
	return errUnavailable
}

// CheckTextLength answers a message text longer than this node's
// MaxMessageChars with invalid_text (the protocol's own checks, up to
// protocol.MaxTextRunes, come first, in protocol.ValidateText). Every way
// in (protocol, plain text, HTTP API) asks it before storing a text.
func (h *Hub) CheckTextLength(text string) *protocol.Error {
	if n := utf8.RuneCountInString(text); n > h.opts.MaxMessageChars {
		return protocol.Errorf(protocol.CodeInvalidText, "message is %d characters long; the limit is %d", n, h.opts.MaxMessageChars)
	}
	return nil
}

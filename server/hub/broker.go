package hub

import (
	"context"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Broker is everything the hub needs of the infrastructure, as the small
// ports below: the rooms' message log, the bus between nodes, the access
// policy, the feed log and the file index. The NATS JetStream
// implementation lives in package broker, an in-memory twin in
// broker/memory; broker/brokertest holds both to the same behaviour.
type Broker interface {
	// Log is the rooms' messages.
	Log
	Bus
	Policy
	Files
	// Points is the log of the rooms' feeds, stored apart from their
	// messages (own offsets, own retention).
	Points() Log
}

// Log is one per-room sequence of stored events with offsets 1, 2, 3, …:
// the rooms' messages (the Broker itself) or their feeds (Broker.Points).
type Log interface {
	// Append stores ev in room. msgID makes it idempotent: the same msgID
	// in the same room within the broker's duplicate window returns the
	// first stored event with duplicate true. The returned event carries
	// its Room, Epoch and Offset. Append returns only after the event is
	// stored.
	Append(ctx context.Context, room, msgID string, ev protocol.Event) (stored protocol.Event, duplicate bool, err error)
	// AppendAsync is Append without waiting: done is called once ev is
	// stored or has failed, on a goroutine of the broker's (done must not
	// block). Appends to one room from one caller are stored in the order
	// they were made.
	AppendAsync(room, msgID string, ev protocol.Event, done func(stored protocol.Event, duplicate bool, err error))
	// Position returns the room's epoch and the first and last stored
	// offsets (zero when the room has no history).
	Position(ctx context.Context, room string) (Position, error)
	// Read returns up to limit stored events of room with offsets from
	// from on, oldest first.
	Read(ctx context.Context, room string, from uint64, limit int) ([]protocol.Event, error)
}

// Bus carries what nodes tell each other: a room's stored events as they
// are stored, presence, relayed events, and the room directory.
type Bus interface {
	// Subscribe delivers to h, from every node, the events stored in room
	// from now on, its presence announcements and its relayed (never
	// stored) events. Calls of each handler are sequential. The
	// subscription is active when Subscribe returns.
	Subscribe(room string, h RoomHandlers) (Subscription, error)
	// Announce sends p to every node with members in room, this one included.
	Announce(room string, p Presence) error
	// Relay sends an event that is not stored (typing) to every node with
	// members in room, this one included.
	Relay(room string, ev protocol.Event) error
	// PublishDirectory sends this node's room report to every node.
	PublishDirectory(r DirectoryReport) error
	// SubscribeDirectory delivers every node's room reports to fn. The
	// subscription is active when it returns.
	SubscribeDirectory(fn func(DirectoryReport)) (Subscription, error)
}

// Policy is the room rules that hold on every node and across restarts:
// bans, the rooms an admin declared private, and which messages were
// deleted (an edit of a deleted message is refused).
type Policy interface {
	// Ban keeps user out of room until the given time, on every node.
	Ban(ctx context.Context, room, user string, until time.Time) error
	// BannedUntil returns when user's ban from room ends (zero if none).
	BannedUntil(ctx context.Context, room, user string) (time.Time, error)
	// SetPrivate declares room private (or public again) on every node.
	SetPrivate(ctx context.Context, room string, private bool) error
	// Private reports whether room was declared private.
	Private(ctx context.Context, room string) (bool, error)
	// MarkDeleted records that message offset of room was deleted, on
	// every node, for at least the edit window.
	MarkDeleted(ctx context.Context, room string, offset uint64) error
	// Deleted reports whether MarkDeleted recorded message offset of room
	// (within the time it is kept).
	Deleted(ctx context.Context, room string, offset uint64) (bool, error)
}

// ActivityLog stores what happens in rooms besides their messages, for the
// webhooks (never sent to clients): people coming and going, rooms filling
// and emptying (Transition), kicks and bans (Record).
type ActivityLog interface {
	// Transition stores ev, whose Type is the new state of subject (a
	// person's user id in room, or "" for the room itself), unless the
	// last state stored for it is that already. Of several nodes storing
	// the same transition at once, exactly one stores it (stored true).
	Transition(ctx context.Context, room, subject string, ev protocol.Event) (stored bool, err error)
	// Record stores ev in room's activity; msgID makes it idempotent
	// within the broker's duplicate window.
	Record(ctx context.Context, room, msgID string, ev protocol.Event) error
	// Occupied lists the rooms whose last stored state is occupied.
	Occupied(ctx context.Context) ([]string, error)
	// Present lists the people whose last stored state in room is joined.
	Present(ctx context.Context, room string) ([]protocol.User, error)
}

// Files is the index of uploaded files (the upload itself goes through
// the HTTP API, outside the hub).
type Files interface {
	// FileInfo returns what is stored of uploaded file id, or
	// ErrFileNotFound.
	FileInfo(ctx context.Context, id string) (FileMeta, error)
}

// RoomHandlers receive what a room subscription delivers. Points, if set,
// receives the room's stored feed events.
type RoomHandlers struct {
	Event     func(protocol.Event)
	Presence  func(Presence)
	Ephemeral func(protocol.Event)
	Points    func(protocol.Event)
}

// DirectoryReport is one node's view of the rooms it has members in: for
// each, the number of people in it across the cluster.
type DirectoryReport struct {
	Node  string         `json:"node"`
	Rooms map[string]int `json:"rooms"`
}

// Subscription is an active Broker subscription.
type Subscription interface {
	Unsubscribe() error
}

// Position is where a room's stored history stands.
type Position struct {
	Epoch       string
	First, Last uint64
}

// PresenceOp is the kind of a presence announcement between nodes.
type PresenceOp string

// Presence announcements.
const (
	// PresenceJoin: Conn (User) joined the room on Node.
	PresenceJoin PresenceOp = "join"
	// PresenceLeave: Conn left the room on Node.
	PresenceLeave PresenceOp = "leave"
	// PresenceState: Members is the full list of Node's connections in the
	// room. Sent periodically and in answer to PresenceSync.
	PresenceState PresenceOp = "state"
	// PresenceSync asks every other node to send its PresenceState now.
	PresenceSync PresenceOp = "sync"
)

// Presence is one announcement between nodes about who is in a room.
type Presence struct {
	Node    string         `json:"node"`
	Op      PresenceOp     `json:"op"`
	Conn    string         `json:"conn,omitempty"`
	User    protocol.User  `json:"user"`
	Members []PresenceConn `json:"members,omitempty"`
}

// PresenceConn is one connection in a PresenceState.
type PresenceConn struct {
	Conn string        `json:"conn"`
	User protocol.User `json:"user"`
}

// Hooks ask the site's backend before a join and before a person's
// message or edit is stored (package hook implements them over HTTP).
// They run on the asking connection's goroutine, with no hub lock held.
type Hooks interface {
	// Join answers whether u may join room: nil, or the error for u.
	Join(ctx context.Context, u protocol.User, room string) *protocol.Error
	// Publish answers whether u may say text in room (target: the
	// message an edit changes, or 0), with the text to store.
	Publish(ctx context.Context, u protocol.User, room, text string, target uint64) (string, *protocol.Error)
}

package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// A room's feed: data points stored in the broker's Points log, apart from
// the room's messages (their own offsets and retention). People in the room
// who ask for it (protocol.CmdFeed) receive its stored points, then the new
// ones live, with the same exactly-once, in-order promise as messages: the
// room tracks the last feed offset delivered, fills gaps from the log and
// drops repeats, and a starting watcher's live points wait until its
// catch-up is queued.

// feedWatch is a member's feed subscription. While its catch-up is read,
// live points wait in its joinBuffer.
type feedWatch struct {
	joinBuffer
}

// Feed starts the feed of cmd.Room for c, which must be in the room: it
// queues the feed answer (the points after the client's feed position, or
// the feed's last FeedHistory events), then the live points.
func (h *Hub) Feed(ctx context.Context, c Conn, cmd protocol.Command) *protocol.Error {
	h.mu.Lock()
	in := h.conns[c.ID()][cmd.Room] == entered
	r := h.rooms[cmd.Room]
	h.mu.Unlock()
	notJoined := protocol.Errorf(protocol.CodeNotJoined, "join room %q before asking for its feed", cmd.Room)
	if !in || r == nil {
		return notJoined
	}
	r.mu.Lock()
	m := r.local[c.ID()]
	if m == nil {
		r.mu.Unlock()
		return notJoined
	}
	w := &feedWatch{joinBuffer{pending: true}}
	m.feed = w
	r.mu.Unlock()
	stop := func() {
		r.mu.Lock()
		if m.feed == w {
			m.feed = nil
		}
		r.mu.Unlock()
	}

	points := h.broker.Points()
	pos, err := points.Position(ctx, r.name)
	var (
		events    []protocol.Event
		recovered bool
	)
	if err == nil {
		events, recovered, err = h.catchUp(ctx, points, r.name, pos, cmd, h.opts.FeedHistory)
	}
	if err != nil {
		stop()
		return h.unavailable("feed", r.name, err)
	}
	if pos.Epoch == "" {
		pos.Epoch = protocol.EpochNone
	}
	ans := protocol.Event{
		Type: protocol.EvFeed, Ref: cmd.ID, Room: r.name,
		Epoch: pos.Epoch, Offset: pos.Last, Recovered: recovered, Events: events,
	}
	if !recovered && len(events) > 0 {
		ans.More = events[0].Offset > pos.First
	}
	frame, err := ans.Encode()
	if err != nil {
		stop()
		return protocol.Errorf(protocol.CodeInternal, "could not encode the feed")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.local[c.ID()] != m || m.feed != w || w.overflow {
		if m.feed == w {
			m.feed = nil
		}
		return protocol.Errorf(protocol.CodeUnavailable, "the feed moved too fast while starting; ask again")
	}
	c.Deliver(frame)
	w.release(c, pos)
	return nil
}

// PublishPoints stores points from c in the feed of cmd.Room and returns the
// ack. c need not be in the room, but must be allowed to enter it (private
// rooms, bans) and to publish there (see mayPublish).
func (h *Hub) PublishPoints(ctx context.Context, c Conn, cmd protocol.Command) (protocol.Event, *protocol.Error) {
	if perr := h.admit(ctx, c, cmd.Room); perr != nil {
		return protocol.Event{}, perr
	}
	if !h.mayPublish(c.Access(), cmd.Room) {
		return protocol.Event{}, protocol.Errorf(protocol.CodeForbidden,
			"you may not publish points to %q: that needs the publisher, moderator or admin role, or a room open to feeds", cmd.Room)
	}
	return h.PublishAs(ctx, cmd.Room, c.User(), cmd.ID, cmd.Points)
}

// mayPublish reports whether a person with access a, who may enter room,
// may publish points to its feed: publishers, moderators and admins may,
// and anyone may in rooms matching FeedRooms.
func (h *Hub) mayPublish(a Access, room string) bool {
	switch a.Role {
	case protocol.RoleAdmin, protocol.RoleModerator, protocol.RolePublisher:
		return true
	}
	return matchAny(h.opts.FeedRooms, room)
}

// PublishAs stores points in room's feed as published by u, without
// permission checks: for the server's own publishers (the HTTP API after
// its own checks, the demo feed). id makes the publish idempotent within
// the broker's duplicate window; empty, a fresh one is made. Points
// without a time get the store time. The room and points are validated.
func (h *Hub) PublishAs(ctx context.Context, room string, u protocol.User, id string, points []protocol.Point) (protocol.Event, *protocol.Error) {
	if perr := protocol.ValidateRoom(room); perr != nil {
		return protocol.Event{}, perr
	}
	if perr := protocol.ValidatePoints(points); perr != nil {
		return protocol.Event{}, perr
	}
	if id == "" {
		var b [9]byte
		rand.Read(b[:])
		id = "p" + hex.EncodeToString(b[:])
	}
	now := h.opts.Now().UnixMilli()
	stamped := make([]protocol.Point, len(points))
	for i, p := range points {
		if p.Time == 0 {
			p.Time = now
		}
		stamped[i] = p
	}
	stored, perr := h.store(ctx, h.broker.Points(), room, u, id, protocol.Event{Type: protocol.EvPoints, Points: stamped})
	if perr != nil {
		return protocol.Event{}, perr
	}
	return ack(id, room, stored), nil
}

// onPoints receives a stored feed event from the broker: a gap is filled
// from the log, a repeat dropped.
func (r *room) onPoints(ev protocol.Event) {
	r.mu.Lock()
	pos := r.feed
	r.mu.Unlock()
	events := r.fill(r.hub.broker.Points(), pos, ev)
	for i := range events {
		r.deliverPoints(&events[i])
	}
}

// deliverPoints encodes a feed event once and queues it for every local
// member watching the feed.
func (r *room) deliverPoints(ev *protocol.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || (ev.Epoch == r.feed.epoch && ev.Offset <= r.feed.last) {
		return
	}
	r.feed = logPos{ev.Epoch, ev.Offset}
	var frame []byte
	for _, m := range r.local {
		w := m.feed
		if w == nil {
			continue
		}
		if frame == nil {
			var err error
			if frame, err = ev.Encode(); err != nil {
				r.hub.log.Error("encode feed event", "room", r.name, "err", err)
				return
			}
		}
		if !w.hold(ev, frame, r.hub.opts.JoinBuffer) {
			m.conn.Deliver(frame)
		}
	}
}

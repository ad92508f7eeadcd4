package hub

import (
	"context"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// What backends reach without a connection (the HTTP API): publishing into
// a room, reading its history, who is in it, and the active rooms. The
// caller has checked that it may reach the room; nothing here joins it.

// PresenceQueryWait bounds how long Members waits for the nodes with
// members in a room this node has none in.
const PresenceQueryWait = 2 * time.Second

// Publish stores a message from u in room (u need not be in it; id is the
// sender's, for deduplication like a send's) and returns the stored
// message. It reaches the room's members like any other.
func (h *Hub) Publish(ctx context.Context, room string, u protocol.User, id, text string) (protocol.Event, *protocol.Error) {
	return h.store(ctx, h.broker, room, u, id, protocol.Event{Type: protocol.EvMessage, Text: text})
}

// ReadHistory returns up to limit stored events of room before offset
// before (the end when zero), oldest first, as a history event (Offset is
// the room's last offset; More says whether older events exist).
func (h *Hub) ReadHistory(ctx context.Context, room string, before uint64, limit int) (protocol.Event, *protocol.Error) {
	return h.page(ctx, room, "", before, limit)
}

// PublicHistory returns up to limit recent stored events of room, oldest
// first, as ReadHistory does, if the room is public: open to anyone
// without a sign-in (neither declared private nor matching
// Options.PrivateRooms). For a private room it returns public false and
// no events. The server prerenders public rooms' pages with it.
func (h *Hub) PublicHistory(ctx context.Context, room string, limit int) (ev protocol.Event, public bool, perr *protocol.Error) {
	declared, err := h.broker.Private(ctx, room)
	if err != nil {
		return protocol.Event{}, false, h.unavailable("privacy", room, err)
	}
	if !h.mayEnter(Access{}, room, declared) {
		return protocol.Event{}, false, nil
	}
	ev, perr = h.page(ctx, room, "", 0, limit)
	return ev, perr == nil, perr
}

// ActiveRooms lists the rooms people are in across the cluster, busiest
// first (at most MaxDirectoryRooms).
func (h *Hub) ActiveRooms() []protocol.RoomInfo {
	h.dir.mu.Lock()
	defer h.dir.mu.Unlock()
	return h.dir.buildLocked()
}

// Members returns the people in room across the cluster, by name. A node
// with members there knows them all; otherwise the nodes the directory
// lists for the room are asked (each answers with its members) and
// waited for at most PresenceQueryWait.
func (h *Hub) Members(ctx context.Context, room string) ([]protocol.User, *protocol.Error) {
	h.mu.Lock()
	r := h.rooms[room]
	h.mu.Unlock()
	if r != nil {
		select {
		case <-r.ready:
		case <-ctx.Done():
			return nil, errUnavailable
		}
		r.mu.Lock()
		closed := r.closed || r.initEr != nil
		members := r.membersLocked()
		r.mu.Unlock()
		if !closed {
			return members, nil
		}
	}
	nodes := h.dir.nodesWith(room)
	if len(nodes) == 0 {
		return nil, nil
	}
	people := make(map[string]protocol.User)
	err := h.askPresence(ctx, room, PresenceQueryWait, func(p Presence) bool {
		delete(nodes, p.Node)
		for _, m := range p.Members {
			people[m.User.ID] = m.User
		}
		return len(nodes) == 0
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, errUnavailable
		}
		return nil, h.unavailable("presence sync", room, err)
	}
	return sortedUsers(people), nil
}

// askPresence asks every other node with members in room for them (a
// presence sync) and hands each answer to got, until got says it has
// enough, wait has passed, or ctx ends (its error).
func (h *Hub) askPresence(ctx context.Context, room string, wait time.Duration, got func(Presence) (enough bool)) error {
	states := make(chan Presence, 64)
	sub, err := h.broker.Subscribe(room, RoomHandlers{
		Event:     func(protocol.Event) {},
		Ephemeral: func(protocol.Event) {},
		Presence: func(p Presence) {
			if p.Op == PresenceState && p.Node != h.opts.Node {
				select {
				case states <- p:
				default: // more answers than nodes: the rest add nothing
				}
			}
		},
	})
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	if err := h.broker.Announce(room, Presence{Node: h.opts.Node, Op: PresenceSync}); err != nil {
		return err
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case p := <-states:
			if got(p) {
				return nil
			}
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// nodesWith returns the nodes whose last report lists room.
func (d *directory) nodesWith(room string) map[string]bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	nodes := make(map[string]bool)
	for node, r := range d.reports {
		if r.rooms[room] > 0 {
			nodes[node] = true
		}
	}
	return nodes
}

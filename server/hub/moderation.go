package hub

import (
	"context"
	"path"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func matchAny(patterns []string, room string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, room); ok {
			return true
		}
	}
	return false
}

// mayEnter reports whether a person with access a may join room: admins
// anywhere; with room patterns, only the rooms they name; otherwise every
// room that is not private (by the settings, or declared by an admin:
// declared is then the answer of the store). Nobody by access alone may
// enter a room private by its name (direct messages, inboxes).
func (h *Hub) mayEnter(a Access, room string, declared bool) bool {
	switch {
	case protocol.PrivateByName(room):
		return false // only the people its name gives: see CheckAccess
	case a.Role == protocol.RoleAdmin:
		return true
	case len(a.Rooms) > 0:
		return matchAny(a.Rooms, room)
	}
	return !declared && !matchAny(h.opts.PrivateRooms, room)
}

// mayModerate answers, as a typed error, whether a may moderate room:
// admins anywhere; moderators only in rooms they may enter, declared
// private ones included.
func (h *Hub) mayModerate(ctx context.Context, a Access, room, verb string) *protocol.Error {
	if a.Role == protocol.RoleAdmin {
		return nil
	}
	if a.Role != protocol.RoleModerator || !h.mayEnter(a, room, false) {
		return protocol.Errorf(protocol.CodeForbidden, "only moderators of %q may %s people there", room, verb)
	}
	declared, err := h.broker.Private(ctx, room)
	if err != nil {
		return h.unavailable("privacy", room, err)
	}
	h.dir.learnPrivate(room, declared, h.opts.Now())
	if !h.mayEnter(a, room, declared) {
		return protocol.Errorf(protocol.CodeForbidden, "only moderators of %q may %s people there", room, verb)
	}
	return nil
}

// admit checks, before a join, that c may enter room and is not banned.
// What it learns of the room's privacy keeps the room directory current.
func (h *Hub) admit(ctx context.Context, c Conn, room string) *protocol.Error {
	return h.CheckAccess(ctx, c.Access(), c.User().ID, room)
}

// checkBan reports whether userID is banned from room now.
func (h *Hub) checkBan(ctx context.Context, userID, room string) *protocol.Error {
	until, err := h.broker.BannedUntil(ctx, room, userID)
	if err != nil {
		return h.unavailable("bans", room, err)
	}
	if until.After(h.opts.Now()) {
		return &protocol.Error{Code: protocol.CodeBanned,
			Message: "a moderator banned you from this room until " + until.UTC().Format(time.RFC3339)}
	}
	return nil
}

// Kick removes person cmd.User from cmd.Room on every node, telling them
// the reason. With a ban (cmd.Type ban) they stay out for cmd.Seconds.
func (h *Hub) Kick(ctx context.Context, c Conn, cmd protocol.Command) (protocol.Event, *protocol.Error) {
	if perr := h.mayModerate(ctx, c.Access(), cmd.Room, string(cmd.Type)); perr != nil {
		return protocol.Event{}, perr
	}
	kicked := protocol.Event{Type: protocol.EvKicked, User: &protocol.User{ID: cmd.User}, Text: cmd.Text}
	target := *kicked.User // for the webhooks: by name too, while still in the room
	if u, ok := h.person(cmd.Room, cmd.User); ok {
		target = u
	}
	if cmd.Type == protocol.CmdBan {
		until := h.opts.Now().Add(time.Duration(cmd.Seconds) * time.Second)
		if err := h.broker.Ban(ctx, cmd.Room, cmd.User, until); err != nil {
			return protocol.Event{}, h.unavailable("ban", cmd.Room, err)
		}
		kicked.Time = until.UnixMilli()
	}
	if err := h.broker.Relay(cmd.Room, kicked); err != nil {
		return protocol.Event{}, h.unavailable("kick", cmd.Room, err)
	}
	// For the webhooks: a retried command (same connection, same id) is
	// stored once.
	if err := h.recordKick(ctx, cmd.Room, c.ID()+"/"+cmd.ID, c.User(), target, kicked, cmd.Type == protocol.CmdBan); err != nil {
		return protocol.Event{}, h.unavailable("kick", cmd.Room, err)
	}
	return protocol.Event{Type: protocol.EvAck, Ref: cmd.ID, Room: cmd.Room}, nil
}

// SetPrivate declares cmd.Room private or public again. Admins only.
func (h *Hub) SetPrivate(ctx context.Context, c Conn, cmd protocol.Command) (protocol.Event, *protocol.Error) {
	if c.Access().Role != protocol.RoleAdmin {
		return protocol.Event{}, protocol.Errorf(protocol.CodeForbidden, "only admins may make rooms private or public")
	}
	private := cmd.Type == protocol.CmdPrivate
	if err := h.broker.SetPrivate(ctx, cmd.Room, private); err != nil {
		return protocol.Event{}, h.unavailable("privacy", cmd.Room, err)
	}
	h.dir.learnPrivate(cmd.Room, private, h.opts.Now()) // this node's watchers at once; others within PresenceInterval
	return protocol.Event{Type: protocol.EvAck, Ref: cmd.ID, Room: cmd.Room}, nil
}

// kick removes this node's connections of the kicked person from the room,
// each told why first. A kick without a person closes the room: every
// member is removed (Hub.Remove with no user).
func (r *room) kick(ev protocol.Event) {
	r.mu.Lock()
	r.flushLocked() // the events before the kick reach its targets first
	var targets []Conn
	for _, m := range r.local {
		if ev.User == nil || m.conn.User().ID == ev.User.ID {
			targets = append(targets, m.conn)
		}
	}
	r.mu.Unlock()
	ev.User, ev.Room = nil, r.name
	frame, err := ev.Encode()
	if err != nil {
		return
	}
	for _, c := range targets {
		c.Deliver(frame)
		r.hub.Leave(c, r.name)
	}
}

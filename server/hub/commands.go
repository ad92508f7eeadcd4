package hub

import (
	"context"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Join adds c to the room cmd.Room and queues the joined event for it, with
// the room's members and either the events after the client's position
// (cmd.Epoch, cmd.Offset) or the room's recent history. Live events that
// arrive meanwhile are queued after joined, so the client sees every event
// exactly once and in order.
func (h *Hub) Join(ctx context.Context, c Conn, cmd protocol.Command) *protocol.Error {
	if perr := h.admit(ctx, c, cmd.Room); perr != nil {
		return perr
	}
	if h.opts.Hooks != nil {
		if perr := h.opts.Hooks.Join(ctx, c.User(), cmd.Room); perr != nil {
			return perr
		}
	}
	mode := entered
	if cmd.Watch {
		mode = watching
	}
	r, perr := h.enter(ctx, c, cmd.Room, mode)
	if perr != nil {
		return perr
	}
	pos, err := h.broker.Position(ctx, r.name)
	var (
		events    []protocol.Event
		recovered bool
	)
	if err == nil {
		events, recovered, err = h.catchUp(ctx, h.broker, r.name, pos, cmd, h.opts.HistoryOnJoin)
	}
	if err == nil && recovered && replayBytes(events) > MaxReplayBytes {
		// Too much missed to replay in one joined frame: say so plainly;
		// the client takes the recent history and pages back from there.
		events, _, err = h.catchUp(ctx, h.broker, r.name, pos, protocol.Command{}, h.opts.HistoryOnJoin)
		recovered = false
	}
	if err != nil {
		h.Leave(c, r.name)
		return h.unavailable("join", r.name, err)
	}
	if pos.Epoch == "" {
		pos.Epoch = protocol.EpochNone
	}
	if cmd.Epoch != "" {
		if recovered {
			h.opts.Metrics.ResumesRecovered.Inc()
		} else {
			h.opts.Metrics.ResumesLost.Inc()
		}
	}
	joined := protocol.Event{
		Type: protocol.EvJoined, Ref: cmd.ID, Room: r.name,
		Epoch: pos.Epoch, Offset: pos.Last, Recovered: recovered, Events: events,
	}
	if !recovered && len(events) > 0 {
		joined.More = events[0].Offset > pos.First
	}

	r.mu.Lock()
	m := r.local[c.ID()]
	if m == nil || r.closed || m.overflow {
		// Gone meanwhile, or the room moved faster than the join buffer
		// holds: the client must join again and resume.
		r.mu.Unlock()
		h.Leave(c, r.name)
		return protocol.Errorf(protocol.CodeUnavailable, "the room changed too fast while joining; join again")
	}
	// What the live members have queued went in the join buffer too:
	// out with it first, so the member does not get it twice.
	r.flushLocked()
	joined.Members = r.membersLocked()
	joined.Count = len(r.people)
	frame, err := joined.Encode()
	if err != nil {
		r.mu.Unlock()
		h.Leave(c, r.name)
		return protocol.Errorf(protocol.CodeInternal, "could not encode the room")
	}
	c.Deliver(frame)
	m.release(c, pos)
	r.joining--
	r.mu.Unlock()
	return nil
}

// MaxReplayBytes bounds what a resuming join replays in its joined frame,
// in bytes of message text (plus a fixed allowance per event). A client
// that missed more gets recovered=false and the recent history instead, so
// no joined frame outgrows the client's read limit (16 MiB).
const MaxReplayBytes = 4 << 20

// replayBytes estimates the size of events in a joined frame.
func replayBytes(events []protocol.Event) int {
	n := 0
	for _, e := range events {
		n += len(e.Text) + 256
	}
	return n
}

// catchUp reads from log what a joining (or feed-starting) client needs: the
// events after its position if it gave one that is still in the log
// (recovered), otherwise the most recent ones, at most recent of them.
func (h *Hub) catchUp(ctx context.Context, log Log, room string, pos Position, cmd protocol.Command, recent int) ([]protocol.Event, bool, error) {
	if cmd.Epoch == protocol.EpochNone && (pos.Last == 0 || pos.First == 1) {
		// The client joined when the room was empty, and nothing has
		// expired since: everything stored is what it missed.
		if pos.Last == 0 {
			return nil, true, nil
		}
		events, err := log.Read(ctx, room, 1, int(pos.Last))
		return events, err == nil, err
	}
	if cmd.Epoch != "" && cmd.Epoch == pos.Epoch && cmd.Offset <= pos.Last &&
		(pos.First == 0 || cmd.Offset+1 >= pos.First) {
		if cmd.Offset == pos.Last {
			return nil, true, nil
		}
		events, err := log.Read(ctx, room, cmd.Offset+1, int(pos.Last-cmd.Offset))
		return events, err == nil, err
	}
	if pos.Last == 0 {
		// An empty room: nothing missed, whatever the client had.
		return nil, cmd.Epoch == "" || cmd.Epoch == pos.Epoch, nil
	}
	from := pos.First
	if n := uint64(recent); pos.Last-from+1 > n {
		from = pos.Last - n + 1
	}
	events, err := log.Read(ctx, room, from, int(pos.Last-from+1))
	return events, false, err
}

// joinMode is how a connection is in a room.
type joinMode uint8

const (
	notIn    joinMode = iota
	entered           // a member: in the room's presence, may post
	watching          // follows the room's events only (join with watch)
)

// enter registers c in the room (creating the room on this node if needed)
// as a pending member and, unless it only watches, announces it.
func (h *Hub) enter(ctx context.Context, c Conn, name string, mode joinMode) (*room, *protocol.Error) {
	for {
		h.mu.Lock()
		joinedRooms := h.conns[c.ID()]
		if joinedRooms[name] != notIn {
			h.mu.Unlock()
			// Joining again re-syncs the room: leave, then join afresh.
			h.Leave(c, name)
			continue
		}
		if len(joinedRooms) >= h.opts.MaxRoomsPerConn {
			h.mu.Unlock()
			return nil, protocol.Errorf(protocol.CodeTooManyRooms, "a connection may be in at most %d rooms", h.opts.MaxRoomsPerConn)
		}
		r := h.rooms[name]
		creator := r == nil
		if creator {
			r = newRoom(h, name)
			h.rooms[name] = r
			h.opts.Metrics.Rooms.Inc()
		}
		if joinedRooms == nil {
			joinedRooms = make(map[string]joinMode)
			h.conns[c.ID()] = joinedRooms
		}
		joinedRooms[name] = mode
		h.mu.Unlock()

		if creator {
			r.init(ctx)
		}
		<-r.ready
		if r.initEr != nil {
			h.mu.Lock()
			if h.rooms[name] == r {
				delete(h.rooms, name)
				h.opts.Metrics.Rooms.Dec()
			}
			delete(h.conns[c.ID()], name)
			h.mu.Unlock()
			return nil, h.unavailable("subscribe", name, r.initEr)
		}
		r.mu.Lock()
		if r.closed {
			// The room closed between lookup and entry (its last member
			// left); start over with a fresh one.
			r.mu.Unlock()
			h.mu.Lock()
			delete(h.conns[c.ID()], name)
			h.mu.Unlock()
			continue
		}
		u := c.User()
		if mode == entered && r.nameTakenLocked(u.Name, u.ID) {
			perr := &protocol.Error{
				Code:       protocol.CodeNameTaken,
				Message:    "someone in this room already uses the nickname \"" + u.Name + "\"",
				Suggestion: r.suggestLocked(u.Name, u.ID),
			}
			r.mu.Unlock()
			h.mu.Lock()
			delete(h.conns[c.ID()], name)
			h.mu.Unlock()
			h.closeIfEmpty(r)
			return nil, perr
		}
		r.local[c.ID()] = &member{conn: c, joinBuffer: joinBuffer{pending: true}, watch: mode == watching}
		r.joining++
		h.opts.Metrics.Members.Inc()
		if mode == watching {
			r.mu.Unlock()
			return r, nil // not in the room's presence
		}
		r.localNodeLocked().conns[c.ID()] = u
		joined := r.addPersonLocked(u, nil)
		r.notifyLocked(joined, nil)
		r.mu.Unlock()
		if err := r.announce(Presence{Node: h.opts.Node, Op: PresenceJoin, Conn: c.ID(), User: u}); err != nil {
			r.logRateLimited("presence announce failed", err)
		}
		return r, nil
	}
}

// Leave removes c from room. It reports whether c was in it.
func (h *Hub) Leave(c Conn, name string) bool {
	h.mu.Lock()
	if h.conns[c.ID()][name] == notIn {
		h.mu.Unlock()
		return false
	}
	delete(h.conns[c.ID()], name)
	if len(h.conns[c.ID()]) == 0 {
		delete(h.conns, c.ID())
	}
	r := h.rooms[name]
	h.mu.Unlock()
	if r == nil {
		return true
	}

	r.mu.Lock()
	m, present := r.local[c.ID()]
	if present {
		r.flushLocked() // what was queued before the leave, c included
		if m.pending {
			r.joining--
		}
		delete(r.local, c.ID())
		h.opts.Metrics.Members.Dec()
	}
	var left []protocol.User
	u, had := r.localNodeLocked().conns[c.ID()]
	if had {
		delete(r.localNodeLocked().conns, c.ID())
		left = r.removePersonLocked(u, nil)
	}
	r.notifyLocked(nil, left)
	if had {
		r.noteLocalLeave(u) // after the transitions it queued
	}
	empty := len(r.local) == 0
	r.mu.Unlock()
	if present && !m.watch {
		if err := r.announce(Presence{Node: h.opts.Node, Op: PresenceLeave, Conn: c.ID(), User: c.User()}); err != nil {
			r.logRateLimited("presence announce failed", err)
		}
	}
	if empty {
		h.closeIfEmpty(r)
	}
	return true
}

// closeIfEmpty closes r if it has no local members left.
func (h *Hub) closeIfEmpty(r *room) {
	h.mu.Lock()
	// Checked under the hub lock: a join may arrive meanwhile.
	r.mu.Lock()
	empty := len(r.local) == 0
	if empty && h.rooms[r.name] == r {
		delete(h.rooms, r.name)
		h.opts.Metrics.Rooms.Dec()
	}
	r.mu.Unlock()
	h.mu.Unlock()
	if empty {
		r.close()
	}
}

// Disconnect removes c from every room it is in and from the directory's
// watchers.
func (h *Hub) Disconnect(c Conn) {
	h.unwatchRooms(c)
	h.mu.Lock()
	names := make([]string, 0, len(h.conns[c.ID()]))
	for name := range h.conns[c.ID()] {
		names = append(names, name)
	}
	h.mu.Unlock()
	for _, name := range names {
		h.Leave(c, name)
	}
}

// Send stores a message from c in cmd.Room and returns the ack. The message
// reaches the room's members (c included) through the broker.
func (h *Hub) Send(ctx context.Context, c Conn, cmd protocol.Command) (protocol.Event, *protocol.Error) {
	if !h.isIn(c, cmd.Room) {
		return protocol.Event{}, protocol.Errorf(protocol.CodeNotJoined, "join room %q before sending to it", cmd.Room)
	}
	text, perr := h.publishHook(ctx, c, cmd)
	if perr != nil {
		return protocol.Event{}, perr
	}
	page, perr := visitorPage(c, cmd)
	if perr != nil {
		return protocol.Event{}, perr
	}
	ev := protocol.Event{Type: protocol.EvMessage, Text: text, Page: page}
	if cmd.Target != 0 {
		if _, perr := h.targetMessage(ctx, c, cmd, "reply to"); perr != nil {
			return protocol.Event{}, perr
		}
		ev.Target = cmd.Target
	}
	if cmd.Attachment != nil {
		att, perr := h.attach(ctx, c, cmd.Room, cmd.Attachment)
		if perr != nil {
			return protocol.Event{}, perr
		}
		ev.Attachment = att
	}
	stored, perr := h.store(ctx, h.broker, cmd.Room, c.User(), cmd.ID, ev)
	if perr != nil {
		return protocol.Event{}, perr
	}
	if protocol.PrivateByName(cmd.Room) {
		h.notifyDirect(cmd.Room, c.User(), stored)
	}
	return ack(cmd.ID, cmd.Room, stored), nil
}

// SendAsync is Send, for messages without an attachment that reply to
// nothing, without waiting
// for the store: reply gets the ack or
// the error, on a goroutine of the broker's (reply must not block). One
// connection's messages to a room are stored in the order it sent them, so
// a connection may keep sending while earlier messages are being stored.
func (h *Hub) SendAsync(c Conn, cmd protocol.Command, reply func(protocol.Event, *protocol.Error)) {
	if cmd.Attachment != nil || cmd.Target != 0 {
		reply(protocol.Event{}, protocol.Errorf(protocol.CodeBadRequest, "a message with an attachment or a reply goes through Send"))
		return
	}
	if !h.isIn(c, cmd.Room) {
		reply(protocol.Event{}, protocol.Errorf(protocol.CodeNotJoined, "join room %q before sending to it", cmd.Room))
		return
	}
	text := cmd.Text
	if h.opts.Hooks != nil {
		ctx, cancel := context.WithTimeout(context.Background(), hookWait)
		var perr *protocol.Error
		text, perr = h.publishHook(ctx, c, cmd)
		cancel()
		if perr != nil {
			reply(protocol.Event{}, perr)
			return
		}
	}
	page, perr := visitorPage(c, cmd)
	if perr != nil {
		reply(protocol.Event{}, perr)
		return
	}
	h.storeAsync(h.broker, cmd.Room, c.User(), cmd.ID, protocol.Event{Type: protocol.EvMessage, Text: text, Page: page}, func(stored protocol.Event, perr *protocol.Error) {
		if perr != nil {
			reply(protocol.Event{}, perr)
			return
		}
		reply(ack(cmd.ID, cmd.Room, stored), nil)
		if protocol.PrivateByName(cmd.Room) {
			h.notifyDirect(cmd.Room, c.User(), stored)
		}
	})
}

// Edit stores a new text for c's own message cmd.Target, if it is within
// the edit window.
func (h *Hub) Edit(ctx context.Context, c Conn, cmd protocol.Command) (protocol.Event, *protocol.Error) {
	target, perr := h.ownMessage(ctx, c, cmd, "edit")
	if perr != nil {
		return protocol.Event{}, perr
	}
	if age := h.opts.Now().Sub(time.UnixMilli(target.Time)); age > h.opts.EditWindow {
		return protocol.Event{}, protocol.Errorf(protocol.CodeEditWindow, "messages can be edited for %v after sending; this one is older", h.opts.EditWindow)
	}
	// A deletion is final: an edit would give a deleted message (perhaps
	// one a moderator removed) new text for every reader that does not
	// apply deletions first (webhooks, plain clients, the API's history).
	switch deleted, err := h.broker.Deleted(ctx, cmd.Room, cmd.Target); {
	case err != nil:
		return protocol.Event{}, h.unavailable("edit", cmd.Room, err)
	case deleted:
		return protocol.Event{}, protocol.Errorf(protocol.CodeNotFound, "message %d in room %q was deleted", cmd.Target, cmd.Room)
	}
	text, perr := h.publishHook(ctx, c, cmd)
	if perr != nil {
		return protocol.Event{}, perr
	}
	return h.storeCommand(ctx, c, cmd, protocol.Event{Type: protocol.EvEdit, Target: cmd.Target, Text: text})
}

// hookWait bounds a publish hook asked from SendAsync (the hook's own
// timeout is normally shorter).
const hookWait = 10 * time.Second

// publishHook asks the Hooks (if any) whether c may say cmd.Text in
// cmd.Room, and returns the text to store.
func (h *Hub) publishHook(ctx context.Context, c Conn, cmd protocol.Command) (string, *protocol.Error) {
	if h.opts.Hooks == nil {
		return cmd.Text, nil
	}
	var edit uint64 // the hook's target is the message an edit changes
	if cmd.Type == protocol.CmdEdit {
		edit = cmd.Target
	}
	text, perr := h.opts.Hooks.Publish(ctx, c.User(), cmd.Room, cmd.Text, edit)
	if perr != nil {
		return "", perr
	}
	return text, h.CheckTextLength(text)
}

// Delete stores the deletion of message cmd.Target: c's own, or anyone's
// if c moderates the room.
func (h *Hub) Delete(ctx context.Context, c Conn, cmd protocol.Command) (protocol.Event, *protocol.Error) {
	if _, perr := h.ownMessage(ctx, c, cmd, "delete"); perr != nil {
		if perr.Code != protocol.CodeForbidden {
			return protocol.Event{}, perr
		}
		if merr := h.mayModerate(ctx, c.Access(), cmd.Room, "delete messages of"); merr != nil {
			return protocol.Event{}, perr
		}
	}
	// Marked before the deletion is stored: an edit is refused from then
	// on; if storing fails, the client's retry (same id) stores it once.
	if err := h.broker.MarkDeleted(ctx, cmd.Room, cmd.Target); err != nil {
		return protocol.Event{}, h.unavailable("delete", cmd.Room, err)
	}
	return h.storeCommand(ctx, c, cmd, protocol.Event{Type: protocol.EvDelete, Target: cmd.Target})
}

// ownMessage reads message cmd.Target of cmd.Room and checks c wrote it.
func (h *Hub) ownMessage(ctx context.Context, c Conn, cmd protocol.Command, verb string) (protocol.Event, *protocol.Error) {
	target, perr := h.targetMessage(ctx, c, cmd, verb)
	if perr != nil {
		return protocol.Event{}, perr
	}
	if target.User == nil || target.User.ID != c.User().ID {
		return protocol.Event{}, protocol.Errorf(protocol.CodeForbidden, "you can only %s your own messages", verb)
	}
	return target, nil
}

// Typing relays that c is typing in cmd.Room to everyone there, at most
// once per protocol.TypingInterval per person; extra signals are dropped
// silently (they are hints, not requests).
func (h *Hub) Typing(c Conn, cmd protocol.Command) *protocol.Error {
	h.mu.Lock()
	in := h.conns[c.ID()][cmd.Room] == entered
	r := h.rooms[cmd.Room]
	h.mu.Unlock()
	if !in || r == nil {
		return protocol.Errorf(protocol.CodeNotJoined, "join room %q first", cmd.Room)
	}
	u := c.User()
	now := h.opts.Now()
	r.mu.Lock()
	if now.Sub(r.typing[u.ID]) < protocol.TypingInterval {
		r.mu.Unlock()
		return nil
	}
	r.typing[u.ID] = now
	r.mu.Unlock()
	if err := h.broker.Relay(cmd.Room, protocol.Event{Type: protocol.EvTyping, User: &u}); err != nil {
		r.logRateLimited("relay typing failed", err)
	}
	return nil
}

// History returns up to cmd.Limit stored events of cmd.Room before
// cmd.Offset (before the end when zero), oldest first.
func (h *Hub) History(ctx context.Context, c Conn, cmd protocol.Command) (protocol.Event, *protocol.Error) {
	if !h.follows(c, cmd.Room) {
		return protocol.Event{}, protocol.Errorf(protocol.CodeNotJoined, "join room %q before reading its history", cmd.Room)
	}
	ans, perr := h.page(ctx, cmd.Room, cmd.Epoch, cmd.Offset, cmd.Limit)
	ans.Ref = cmd.ID
	return ans, perr
}

// page reads up to limit stored events of room before offset before (the
// end when zero, or when epoch is set and is not the room's), oldest
// first, as a history event.
func (h *Hub) page(ctx context.Context, room, epoch string, before uint64, limit int) (protocol.Event, *protocol.Error) {
	pos, err := h.broker.Position(ctx, room)
	if err != nil {
		return protocol.Event{}, h.unavailable("position", room, err)
	}
	ans := protocol.Event{Type: protocol.EvHistory, Room: room, Epoch: pos.Epoch, Offset: pos.Last}
	if before == 0 || before > pos.Last+1 || (epoch != "" && epoch != pos.Epoch) {
		before = pos.Last + 1
	}
	if pos.Last == 0 || before <= pos.First {
		return ans, nil
	}
	from := pos.First
	if n := uint64(limit); before-from > n {
		from = before - n
	}
	events, err := h.broker.Read(ctx, room, from, int(before-from))
	if err != nil {
		return protocol.Event{}, h.unavailable("read", room, err)
	}
	ans.Events = events
	ans.More = from > pos.First
	return ans, nil
}

func (h *Hub) isIn(c Conn, room string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[c.ID()][room] == entered
}

// follows reports whether c is in room, as a member or watching it.
func (h *Hub) follows(c Conn, room string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[c.ID()][room] != notIn
}

// storeCommand stores ev as c's answer to cmd and returns the ack.
func (h *Hub) storeCommand(ctx context.Context, c Conn, cmd protocol.Command, ev protocol.Event) (protocol.Event, *protocol.Error) {
	stored, perr := h.store(ctx, h.broker, cmd.Room, c.User(), cmd.ID, ev)
	if perr != nil {
		return protocol.Event{}, perr
	}
	return ack(cmd.ID, cmd.Room, stored), nil
}

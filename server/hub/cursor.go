package hub

import (
	"math"
	"sort"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Live cursors. A room keeps, per person, only the latest pointer position
// (latest wins): this node's people who moved since the last tick (out),
// and what every node relayed since then (in). Every CursorTick the hub
// relays each room's out batch to every node through the broker (core
// NATS, never stored) and sends each local member one cursors event with
// the in batch, so a member receives at most one batch per tick whatever
// the number of people moving, and a batch holds at most one entry per
// person. Positions are never stored; a person who leaves gets a Gone
// entry, and a person who arrives gets everyone's last position.

// cursorState is a room's cursors, guarded by the room's lock.
type cursorState struct {
	out  map[string]protocol.Cursor // this node's people, moved since the last tick
	in   map[string]protocol.Cursor // from every node, to send at the next tick
	last map[string]protocol.Cursor // the latest position sent of each person in the room
	full bool                       // someone arrived: send every last position next tick
}

// Cursor records that c's pointer is at (cmd.X, cmd.Y) on cmd.Room's board.
// It is relayed at the next tick; a newer position before it replaces it.
func (h *Hub) Cursor(c Conn, cmd protocol.Command) *protocol.Error {
	h.mu.Lock()
	in := h.conns[c.ID()][cmd.Room] == entered
	r := h.rooms[cmd.Room]
	h.mu.Unlock()
	if !in || r == nil {
		return protocol.Errorf(protocol.CodeNotJoined, "join room %q first", cmd.Room)
	}
	u := c.User()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur.out == nil {
		r.cur.out = make(map[string]protocol.Cursor)
	}
	r.cur.out[u.ID] = protocol.Cursor{User: u.ID, Name: u.Name, X: round4(cmd.X), Y: round4(cmd.Y)}
	return nil
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// flushCursors runs every CursorTick: it relays each room's local moves to
// every node and sends each room's members what arrived since the last tick.
func (h *Hub) flushCursors() {
	for _, r := range h.roomList() {
		r.flushCursors()
	}
}

func (r *room) flushCursors() {
	r.mu.Lock()
	out := r.cur.out
	r.cur.out = nil
	if !r.closed && (len(r.cur.in) > 0 || r.cur.full) {
		r.sendCursorsLocked()
	}
	r.mu.Unlock()
	if len(out) == 0 {
		return
	}
	if err := r.hub.broker.Relay(r.name, protocol.Event{Type: protocol.EvCursors, Cursors: sortedCursors(out)}); err != nil {
		r.logRateLimited("relay cursors failed", err)
	}
}

// sendCursorsLocked sends the local members one cursors event: who moved
// (only people still in the room) and who left; everyone's last position
// after an arrival.
func (r *room) sendCursorsLocked() {
	if r.cur.last == nil {
		r.cur.last = make(map[string]protocol.Cursor)
	}
	batch := make(map[string]protocol.Cursor, len(r.cur.in))
	if r.cur.full {
		for id, c := range r.cur.last {
			batch[id] = c
		}
	}
	for id, c := range r.cur.in {
		switch {
		case c.Gone:
			delete(r.cur.last, id)
		case r.people[id] > 0:
			r.cur.last[id] = c
		default:
			// Moved just before leaving: the relayed position came after
			// the leave and took the place of its Gone. Still shown:
			// send the Gone; never shown: nothing to send.
			if _, shown := r.cur.last[id]; !shown {
				continue
			}
			delete(r.cur.last, id)
			c = protocol.Cursor{User: id, Gone: true}
		}
		batch[id] = c
	}
	r.cur.in, r.cur.full = nil, false
	if len(batch) > 0 {
		r.broadcastCursorsLocked(&protocol.Event{Type: protocol.EvCursors, Room: r.name, Cursors: sortedCursors(batch)})
	}
	for _, m := range r.local {
		if m.pending {
			// Still joining, so it missed this batch: everyone's last
			// position again at a later tick.
			r.cur.full = len(r.cur.last) > 0
			break
		}
	}
}

// binaryConn is a Conn that may ask for cursor batches as binary frames.
type binaryConn interface{ WantsBinary() bool }

// broadcastCursorsLocked queues a cursors batch for every live local
// member, as a binary frame to those who asked for it and as JSON to the
// others; each form is encoded once.
func (r *room) broadcastCursorsLocked(ev *protocol.Event) {
	var text, bin []byte
	for _, m := range r.local {
		if m.pending || m.watch {
			continue // watchers follow the room, not its board
		}
		if bc, ok := m.conn.(binaryConn); ok && bc.WantsBinary() {
			if bin == nil {
				bin = protocol.EncodeCursorBatch(ev)
			}
			m.conn.Deliver(bin)
			continue
		}
		if text == nil {
			var err error
			if text, err = ev.Encode(); err != nil {
				r.hub.log.Error("encode cursors", "room", r.name, "err", err)
				return
			}
		}
		m.conn.Deliver(text)
	}
}

// onCursors merges a relayed batch (from any node, this one included) into
// what the next tick sends.
func (r *room) onCursors(ev protocol.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.cur.in == nil {
		r.cur.in = make(map[string]protocol.Cursor, len(ev.Cursors))
	}
	for _, c := range ev.Cursors {
		r.cur.in[c.User] = c
	}
}

// cursorsPresenceLocked updates the cursors for people who came (they get
// everyone's position next tick) and went (their cursor is removed).
func (r *room) cursorsPresenceLocked(joined, left []protocol.User) {
	if len(joined) > 0 && len(r.cur.last) > 0 {
		r.cur.full = true
	}
	for _, u := range left {
		delete(r.cur.out, u.ID)
		if _, shown := r.cur.last[u.ID]; shown {
			if r.cur.in == nil {
				r.cur.in = make(map[string]protocol.Cursor)
			}
			r.cur.in[u.ID] = protocol.Cursor{User: u.ID, Gone: true}
		}
	}
}

func sortedCursors(m map[string]protocol.Cursor) []protocol.Cursor {
	list := make([]protocol.Cursor, 0, len(m))
	for _, c := range m {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].User < list[j].User })
	return list
}

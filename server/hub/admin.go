package hub

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Operator is the author of the notices an operator posts from the admin
// dashboard: they appear in the room as messages from this person.
var Operator = protocol.User{ID: protocol.OperatorID, Name: "Operator", Role: protocol.RoleAdmin}

// Notice stores text in room as a message from Operator, so every member
// (on every node) sees it, and people who join later find it in history.
// It returns the stored position as an ack.
func (h *Hub) Notice(ctx context.Context, room, text string) (protocol.Event, *protocol.Error) {
	var b [9]byte
	rand.Read(b[:])
	id := "notice-" + base64.RawURLEncoding.EncodeToString(b[:])
	stored, perr := h.store(ctx, h.broker, room, Operator, id, protocol.Event{Type: protocol.EvMessage, Text: text})
	if perr != nil {
		return protocol.Event{}, perr
	}
	return ack("", room, stored), nil
}

// Remove takes person user out of room on every node, telling them why
// (the kicked event), as a moderator's kick does. With user empty it
// closes the room: everyone in it is removed.
func (h *Hub) Remove(room, user, text string) *protocol.Error {
	kicked := protocol.Event{Type: protocol.EvKicked, Text: text}
	if user != "" {
		kicked.User = &protocol.User{ID: user}
	}
	if err := h.broker.Relay(room, kicked); err != nil {
		return h.unavailable("remove", room, err)
	}
	return nil
}

// Rooms returns the cluster's active rooms, busiest first (at most
// MaxDirectoryRooms), as the room directory knows them.
func (h *Hub) Rooms() []protocol.RoomInfo {
	h.dir.mu.Lock()
	defer h.dir.mu.Unlock()
	return h.dir.buildLocked()
}

// Nodes returns the names of the nodes whose room reports the directory
// holds (every live node, within a presence interval of its start).
func (h *Hub) Nodes() []string {
	h.dir.mu.Lock()
	defer h.dir.mu.Unlock()
	nodes := make([]string, 0, len(h.dir.reports))
	for n := range h.dir.reports {
		nodes = append(nodes, n)
	}
	slices.Sort(nodes)
	return nodes
}

// LocalMember is one person in a room through this node's connections.
type LocalMember struct {
	User protocol.User
	// Conns is how many of the person's connections on this node are in
	// the room.
	Conns int
}

// LocalMembers lists the people in room through this node, by name.
func (h *Hub) LocalMembers(room string) []LocalMember {
	h.mu.Lock()
	r := h.rooms[room]
	h.mu.Unlock()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	byID := make(map[string]*LocalMember)
	for _, m := range r.local {
		if m.watch {
			continue // not in the room: it follows it (a room list)
		}
		u := m.conn.User()
		if lm := byID[u.ID]; lm != nil {
			lm.Conns++
		} else {
			byID[u.ID] = &LocalMember{User: u, Conns: 1}
		}
	}
	r.mu.Unlock()
	list := make([]LocalMember, 0, len(byID))
	for _, m := range byID {
		list = append(list, *m)
	}
	slices.SortFunc(list, func(a, b LocalMember) int {
		if c := strings.Compare(a.User.Name, b.User.Name); c != 0 {
			return c
		}
		return strings.Compare(a.User.ID, b.User.ID)
	})
	return list
}

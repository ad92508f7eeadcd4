package ui

import (
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// maxListedRooms bounds the room list (the most recently active kept).
const maxListedRooms = 20

// maxWatchedRooms is how many rooms of the list, besides the one on
// screen, a room page follows live for their unread counts (the server
// allows 32 rooms per connection). Following a room is being in it: the
// person shows in its Online list, as in Slack or Discord.
const maxWatchedRooms = 8

// roomEntry is one room of the person's room list, kept in local storage
// (keyRoomList) across reloads.
type roomEntry struct {
	Room string `json:"room"`
	// Title names a direct-message room: the other person's name.
	Title string `json:"title,omitempty"`
	// Epoch and Read: the newest message read (shown on screen).
	Epoch string `json:"epoch,omitempty"`
	Read  uint64 `json:"read,omitempty"`
	// Counted is the newest message counted as unread.
	Counted  uint64 `json:"counted,omitempty"`
	Unread   int    `json:"unread,omitempty"`
	Mentions int    `json:"mentions,omitempty"`
	// Active is when the room last had a message or a visit (Unix ms):
	// the list's order.
	Active int64 `json:"active,omitempty"`
}

// roomList is the person's rooms with their unread messages and mentions.
// It belongs to the UI goroutine.
type roomList struct {
	entries []roomEntry
	dirty   bool // changed since the last save
}

// loadRoomList reads the list from local storage (nothing: empty).
func loadRoomList(s app.BrowserStorage) roomList {
	var entries []roomEntry
	if err := s.Get(keyRoomList, &entries); err != nil {
		entries = nil
	}
	valid := entries[:0]
	for _, e := range entries {
		if protocol.ValidateRoom(e.Room) == nil && !slices.ContainsFunc(valid, func(x roomEntry) bool { return x.Room == e.Room }) {
			valid = append(valid, e)
		}
	}
	return roomList{entries: valid}
}

// save writes the list to local storage if it changed.
func (l *roomList) save(s app.BrowserStorage) {
	if !l.dirty {
		return
	}
	l.dirty = false
	if err := s.Set(keyRoomList, l.entries); err != nil {
		app.Log("switchboard: cannot keep the room list:", err)
	}
}

// entry returns the room's entry, added if new (active at now); in a full
// list the least recently active other room makes way.
func (l *roomList) entry(room string, now int64) *roomEntry {
	if i := slices.IndexFunc(l.entries, func(e roomEntry) bool { return e.Room == room }); i >= 0 {
		return &l.entries[i]
	}
	l.sort()
	if len(l.entries) >= maxListedRooms {
		l.entries = l.entries[:maxListedRooms-1]
	}
	l.entries = append(l.entries, roomEntry{Room: room, Active: now})
	l.dirty = true
	return &l.entries[len(l.entries)-1]
}

// sort orders the list by activity, newest first.
func (l *roomList) sort() {
	slices.SortStableFunc(l.entries, func(a, b roomEntry) int {
		switch {
		case a.Active > b.Active:
			return -1
		case a.Active < b.Active:
			return 1
		}
		return 0
	})
}

// visit puts room (the one on screen) in the list, with title for a
// direct-message room when known.
func (l *roomList) visit(room, title string, now int64) {
	e := l.entry(room, now)
	if title != "" && e.Title != title {
		e.Title = title
	}
	e.Active = now
	l.dirty = true
	l.sort()
}

// read marks room read up to the message at offset (in epoch): no unread.
func (l *roomList) read(room, epoch string, offset uint64, now int64) {
	e := l.entry(room, now)
	if e.Epoch != epoch || offset > e.Read || e.Unread != 0 {
		if e.Epoch != epoch || offset > e.Read {
			e.Epoch, e.Read = epoch, offset
		}
		e.Counted = max(e.Counted, e.Read)
		e.Unread, e.Mentions = 0, 0
		l.dirty = true
	}
}

// count applies a stored event of a followed room (not on screen): a
// message from someone else after what was read and counted is unread,
// and a mention of me if it names me. Events may repeat (a rejoin sends
// recent history again): each offset counts once.
func (l *roomList) count(ev protocol.Event, me protocol.User) bool {
	if ev.Type != protocol.EvMessage || ev.User == nil {
		return false
	}
	e := l.entry(ev.Room, ev.Time)
	if e.Epoch != "" && ev.Epoch != e.Epoch {
		// The room's history was replaced: read positions start over.
		e.Epoch, e.Read, e.Counted, e.Unread, e.Mentions = ev.Epoch, 0, 0, 0, 0
	}
	if ev.Offset <= max(e.Read, e.Counted) {
		return false
	}
	e.Counted = ev.Offset
	if ev.User.ID != me.ID {
		e.Unread++
		if mentions(ev.Text, me.Name) {
			e.Mentions++
		}
	}
	if e.Epoch == "" {
		e.Epoch = ev.Epoch
	}
	e.Active = max(e.Active, ev.Time)
	l.dirty = true
	l.sort()
	return true
}

// direct applies an event of the person's inbox: a direct message names
// its room and the person who wrote it. It reports whether the room is
// new to the list.
func (l *roomList) direct(ev protocol.Event) (room string, added bool) {
	if ev.Type != protocol.EvDirect || ev.User == nil {
		return "", false
	}
	if _, _, ok := protocol.DirectMembers(ev.Conversation); !ok {
		return "", false
	}
	added = !slices.ContainsFunc(l.entries, func(e roomEntry) bool { return e.Room == ev.Conversation })
	e := l.entry(ev.Conversation, ev.Time)
	if e.Title != ev.User.Name {
		e.Title = ev.User.Name
		l.dirty = true
	}
	return ev.Conversation, added
}

// watched are the rooms a page on room follows: the most recent ones of
// the list besides room.
func (l *roomList) watched(room string) []string {
	var out []string
	for _, e := range l.entries {
		if e.Room != room && len(out) < maxWatchedRooms {
			out = append(out, e.Room)
		}
	}
	return out
}

// title is how the list and the top bar name room: "#room", or the other
// person's name for direct messages.
func (e roomEntry) title() string {
	if protocol.IsDirectRoom(e.Room) {
		if e.Title != "" {
			return "@" + e.Title
		}
		return "Direct message"
	}
	return "#" + e.Room
}

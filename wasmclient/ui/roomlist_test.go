package ui

import (
	"slices"
	"testing"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func listMsg(room string, offset uint64, uid, name, text string) protocol.Event {
	return protocol.Event{Type: protocol.EvMessage, Room: room, Epoch: "e", Offset: offset, Time: int64(offset),
		User: &protocol.User{ID: uid, Name: name}, Text: text}
}

// Unread counts: messages from others after the read position, each
// offset once (a rejoin repeats history), mentions apart; reading clears.
func TestRoomListCounts(t *testing.T) {
	me := protocol.User{ID: "me", Name: "ann"}
	var l roomList
	l.visit("a", "", 1)
	l.read("a", "e", 2, 1)
	evs := []protocol.Event{
		listMsg("a", 1, "b", "bob", "old"),
		listMsg("a", 2, "b", "bob", "read already"),
		listMsg("a", 3, "b", "bob", "hi @ann"),
		listMsg("a", 4, "me", "ann", "mine"),
		listMsg("a", 5, "b", "bob", "more"),
	}
	for range 2 { // the second pass is a rejoin's history: counted once
		for _, ev := range evs {
			l.count(ev, me)
		}
	}
	e := l.entry("a", 0)
	if e.Unread != 2 || e.Mentions != 1 {
		t.Fatalf("unread %d, mentions %d; want 2 and 1", e.Unread, e.Mentions)
	}
	l.read("a", "e", 5, 6)
	if e := l.entry("a", 0); e.Unread != 0 || e.Mentions != 0 || e.Read != 5 {
		t.Fatalf("after reading: %+v", e)
	}
	// A new epoch (history lost) starts the room over.
	l.count(protocol.Event{Type: protocol.EvMessage, Room: "a", Epoch: "f", Offset: 1, User: &protocol.User{ID: "b", Name: "bob"}}, me)
	if e := l.entry("a", 0); e.Unread != 1 || e.Epoch != "f" {
		t.Fatalf("after a new epoch: %+v", e)
	}
}

// An inbox event lists its direct-message room under the writer's name;
// the list keeps the most recently active rooms.
func TestRoomListDirectAndTrim(t *testing.T) {
	dm, _ := protocol.DirectRoom("me", "bob1")
	var l roomList
	room, added := l.direct(protocol.Event{Type: protocol.EvDirect, Conversation: dm, Time: 5, User: &protocol.User{ID: "bob1", Name: "bob"}})
	if room != dm || !added || l.entry(dm, 0).title() != "@bob" {
		t.Fatalf("direct: %q %v %+v", room, added, l.entries)
	}
	if _, added := l.direct(protocol.Event{Type: protocol.EvDirect, Conversation: dm, Time: 6, User: &protocol.User{ID: "bob1", Name: "bob"}}); added {
		t.Fatal("the same conversation added twice")
	}
	if room, _ := l.direct(protocol.Event{Type: protocol.EvDirect, Conversation: "lobby", User: &protocol.User{ID: "x", Name: "x"}}); room != "" {
		t.Fatal("an inbox event naming a public room was listed")
	}
	for i := range maxListedRooms + 5 {
		l.visit("r"+itoa(i), "", int64(100+i))
	}
	if len(l.entries) != maxListedRooms || l.entries[0].Room != "r"+itoa(maxListedRooms+4) {
		t.Fatalf("list of %d, first %q", len(l.entries), l.entries[0].Room)
	}
	if w := l.watched(l.entries[0].Room); len(w) != maxWatchedRooms {
		t.Fatalf("watched %d rooms, want %d", len(w), maxWatchedRooms)
	}
}

func itoa(i int) string {
	return string(rune('a'+i/26)) + string(rune('a'+i%26))
}

// A room new to a full list, older than every listed one (an old direct
// message in the inbox's history), is still added and returned; the
// oldest other room makes way.
func TestRoomListFullAddsAnOldRoom(t *testing.T) {
	var l roomList
	for i := range maxListedRooms {
		l.visit("r"+itoa(i), "", int64(100+i))
	}
	e := l.entry("old", 1)
	if e == nil || e.Room != "old" || len(l.entries) != maxListedRooms {
		t.Fatalf("entry = %+v, %d rooms", e, len(l.entries))
	}
	if slices.ContainsFunc(l.entries, func(x roomEntry) bool { return x.Room == "r"+itoa(0) }) {
		t.Fatal("the oldest other room is still listed")
	}
}

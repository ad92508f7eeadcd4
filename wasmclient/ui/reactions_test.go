package ui

import (
	"testing"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func reactEv(offset, target uint64, typ protocol.EventType, emoji, uid string) protocol.Event {
	return protocol.Event{Type: typ, Room: "r", Epoch: "e", Offset: offset, Target: target, Text: emoji,
		User: &protocol.User{ID: uid, Name: "name-" + uid}}
}

// Reactions fold to each person's latest vote per emoji, whatever order
// the events come in (live: oldest first; history pages: newest first).
func TestReactionsFoldInAnyOrder(t *testing.T) {
	msg := protocol.Event{Type: protocol.EvMessage, Room: "r", Epoch: "e", Offset: 1, Text: "hi", User: &protocol.User{ID: "a", Name: "ann"}}
	evs := []protocol.Event{
		reactEv(2, 1, protocol.EvReact, "👍", "b"),
		reactEv(3, 1, protocol.EvReact, "🎉", "me"),
		reactEv(4, 1, protocol.EvReact, "👍", "me"),
		reactEv(5, 1, protocol.EvUnreact, "🎉", "me"),
		reactEv(6, 1, protocol.EvReact, "👍", "c"),
		reactEv(7, 1, protocol.EvUnreact, "👍", "c"),
		reactEv(8, 1, protocol.EvReact, "👍", "b"), // again: counted once
	}
	check := func(name string, m *roomModel) {
		t.Helper()
		chips := m.reactionChips(1)
		if len(chips) != 1 || chips[0].emoji != "👍" || chips[0].count != 2 || !chips[0].mine {
			t.Fatalf("%s: chips = %+v, want 👍 ×2 with mine", name, chips)
		}
		if chips[0].names[0] != "name-me" || chips[0].names[1] != "name-b" { // by their latest reaction
			t.Fatalf("%s: names = %v", name, chips[0].names)
		}
		if !m.reacted(1, "👍") || m.reacted(1, "🎉") {
			t.Fatalf("%s: reacted wrong", name)
		}
	}
	live := &roomModel{me: protocol.User{ID: "me", Name: "me"}}
	live.appendStored(false, msg)
	for _, ev := range evs {
		live.applyLive(ev)
	}
	check("live", live)

	paged := &roomModel{me: protocol.User{ID: "me", Name: "me"}}
	paged.appendStored(false, evs[5:]...)
	paged.prependHistory(evs[2:5], true)
	paged.prependHistory(append([]protocol.Event{msg}, evs[:2]...), false)
	check("history pages", paged)

	// Kept for an offline reload and read back: the same reactions.
	paged.joined = true
	kept, ok := paged.recent("r", maxRecent)
	if !ok {
		t.Fatal("nothing kept")
	}
	back := &roomModel{me: protocol.User{ID: "me", Name: "me"}}
	back.seed(kept.Events, true)
	check("kept", back)

	// A rejoin that does not recover forgets them with the messages.
	back.applyJoined(protocol.Event{Type: protocol.EvJoined})
	if chips := back.reactionChips(1); len(chips) != 0 {
		t.Fatalf("after a fresh join: chips = %+v", chips)
	}
}

// A reply shows who and what it answers, when that message is loaded.
func TestQuoteOf(t *testing.T) {
	m := &roomModel{}
	m.appendStored(false,
		protocol.Event{Type: protocol.EvMessage, Offset: 1, Text: "who has\nthe keys?", User: &protocol.User{ID: "a", Name: "ann"}},
		protocol.Event{Type: protocol.EvMessage, Offset: 2, Target: 1, Text: "I do", User: &protocol.User{ID: "b", Name: "bob"}},
	)
	author, text, deleted, loaded := m.quoteOf(1)
	if author != "ann" || text != "who has\nthe keys?" || deleted || !loaded {
		t.Fatalf("quoteOf(1) = %q %q %v %v", author, text, deleted, loaded)
	}
	if got := quoteLabel(author, text); got != "ann: who has the keys?" {
		t.Fatalf("quoteLabel = %q", got)
	}
	if _, _, _, loaded := m.quoteOf(99); loaded {
		t.Fatal("quoteOf(99) loaded")
	}
	m.applyLive(protocol.Event{Type: protocol.EvDelete, Offset: 3, Target: 1})
	if _, _, deleted, _ := m.quoteOf(1); !deleted {
		t.Fatal("a deleted message's quote is not marked deleted")
	}
}

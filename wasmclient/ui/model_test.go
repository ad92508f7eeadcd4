package ui

import (
	"slices"
	"testing"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func TestModelMembers(t *testing.T) {
	t.Parallel()
	var m roomModel
	ada, bob, cy := protocol.User{ID: "1", Name: "ada"}, protocol.User{ID: "2", Name: "Bob"}, protocol.User{ID: "3", Name: "Cy"}
	m.applyJoined(protocol.Event{Members: []protocol.User{cy, ada, ada}, Count: 2}, nil, true)
	m.applyPresence(protocol.Event{Joined: []protocol.User{bob, bob}, Count: 3})
	names := func() []string {
		var out []string
		for _, u := range m.members {
			out = append(out, u.Name)
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{"ada", "Bob", "Cy"}) {
		t.Fatalf("members = %v, want one per id, sorted by name ignoring case", got)
	}
	if m.onlineCount() != 3 {
		t.Errorf("onlineCount = %d, want 3", m.onlineCount())
	}
	m.applyPresence(protocol.Event{Left: []protocol.User{bob}, Count: 2})
	if got := names(); !slices.Equal(got, []string{"ada", "Cy"}) || m.onlineCount() != 2 {
		t.Errorf("after Bob left: %v, %d online", got, m.onlineCount())
	}
	// Large rooms send counts only.
	m.applyPresence(protocol.Event{Count: 250})
	if m.onlineCount() != 250 {
		t.Errorf("onlineCount = %d, want 250", m.onlineCount())
	}
}

func TestModelPendingSends(t *testing.T) {
	t.Parallel()
	me := protocol.User{ID: "me", Name: "Ada"}
	m := roomModel{me: me}
	m.applyJoined(protocol.Event{Epoch: "e1", Offset: 1}, []protocol.Event{msg("e1", 1, "old")}, true)

	m.addPending("id-1", "one")
	m.addPending("id-2", "two")
	m.addPending("id-3", "three")
	if got := m.unsent(); len(got) != 3 || got[0].id != "id-1" {
		t.Fatalf("unsent = %+v", got)
	}

	// id-1's own message arrives: it leaves the pending list.
	ev := msg("e1", 2, "one")
	ev.ID, ev.User = "id-1", &me
	m.applyMessage(ev)
	// id-2 is acknowledged at offset 3 and its message has not arrived yet.
	m.acked("id-2", 3)
	if len(m.pending) != 2 {
		t.Fatalf("pending = %+v, want id-2 (acked) and id-3", m.pending)
	}
	if got := m.unsent(); len(got) != 1 || got[0].id != "id-3" {
		t.Errorf("unsent = %+v, want only id-3", got)
	}
	// Someone else's message at offset 3 moves the room past id-2's offset.
	other := msg("e1", 3, "two")
	other.User = &protocol.User{ID: "x", Name: "X"}
	m.applyMessage(other)
	if len(m.pending) != 1 || m.pending[0].id != "id-3" {
		t.Fatalf("pending = %+v, want only id-3", m.pending)
	}

	// A passing refusal keeps it; a final one gives the text back.
	if text := m.refused("id-3", "slow down", false); text != "" || m.pending[0].failed != "slow down" {
		t.Errorf("passing refusal: text %q, pending %+v", text, m.pending)
	}
	if text := m.refused("id-3", "too long", true); text != "three" || len(m.pending) != 0 {
		t.Errorf("final refusal: text %q, pending %+v", text, m.pending)
	}
	if p := m.position(); p != (position{Epoch: "e1", Offset: 3}) {
		t.Errorf("position = %+v, want e1/3", p)
	}
}

func TestModelResetAndCap(t *testing.T) {
	t.Parallel()
	var m roomModel
	var many []protocol.Event
	for i := range maxLines + 10 {
		many = append(many, msg("e1", uint64(i+1), "m"))
	}
	m.applyJoined(protocol.Event{Epoch: "e1"}, many[:5], true)
	m.applyJoined(protocol.Event{Epoch: "e1"}, many[5:], false)
	if len(m.lines) != maxLines || m.lines[len(m.lines)-1].Offset != maxLines+10 {
		t.Fatalf("lines = %d ending at %d, want the newest %d", len(m.lines), m.lines[len(m.lines)-1].Offset, maxLines)
	}
	m.applyJoined(protocol.Event{Epoch: "e2"}, many[:1], true)
	if len(m.lines) != 1 {
		t.Errorf("reset kept %d lines", len(m.lines))
	}
}

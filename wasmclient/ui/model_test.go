package ui

import (
	"slices"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

var (
	ada   = protocol.User{ID: "u1", Name: "Ada"}
	grace = protocol.User{ID: "u2", Name: "Grace"}
)

// msg is a stored message of epoch e1.
func msg(epoch string, offset uint64, text string) protocol.Event {
	return protocol.Event{Type: protocol.EvMessage, Room: "lobby", Epoch: epoch, Offset: offset, Text: text, User: &grace}
}

func edit(offset, target uint64, text string) protocol.Event {
	return protocol.Event{Type: protocol.EvEdit, Room: "lobby", Epoch: "e1", Offset: offset, Target: target, Text: text, User: &grace}
}

func del(offset, target uint64) protocol.Event {
	return protocol.Event{Type: protocol.EvDelete, Room: "lobby", Epoch: "e1", Offset: offset, Target: target, User: &grace}
}

// shown describes the message lines: text, "(edited)" or "deleted".
func shown(m *roomModel) []string {
	var out []string
	for _, l := range m.lines {
		switch {
		case l.kind == lineNotice:
			out = append(out, "notice:"+l.text)
		case l.deleted:
			out = append(out, "deleted")
		case l.edited:
			out = append(out, l.text+" (edited)")
		default:
			out = append(out, l.text)
		}
	}
	return out
}

func TestModelMembers(t *testing.T) {
	t.Parallel()
	var m roomModel
	m.me = protocol.User{ID: "1", Name: "ada"}
	bob, cy := protocol.User{ID: "2", Name: "Bob"}, protocol.User{ID: "3", Name: "Cy"}
	m.applyJoined(protocol.Event{Members: []protocol.User{cy, m.me, m.me}, Count: 2})
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
	// Join and leave notices, once per person, never about the reader.
	m.applyPresence(protocol.Event{Left: []protocol.User{bob}, Count: 2})
	m.applyPresence(protocol.Event{Joined: []protocol.User{m.me}, Count: 2})
	if got := shown(&m); !slices.Equal(got, []string{"notice:Bob joined", "notice:Bob left"}) {
		t.Errorf("notices = %q", got)
	}
	// Large rooms send counts only.
	m.applyPresence(protocol.Event{Count: 250})
	if m.onlineCount() != 250 {
		t.Errorf("onlineCount = %d, want 250", m.onlineCount())
	}
}

func TestModelPendingSends(t *testing.T) {
	t.Parallel()
	m := roomModel{me: ada}
	m.applyJoined(protocol.Event{Epoch: "e1", Offset: 1, Events: []protocol.Event{msg("e1", 1, "old")}})

	m.addPending("id-1", "one", 0)
	m.addPending("id-2", "two", 0)
	m.addPending("id-3", "three", 0)
	m.addPending("id-3", "three", 0) // shown once

	// id-1's own message arrives: it leaves the pending list.
	ev := msg("e1", 2, "one")
	ev.ID, ev.User = "id-1", &ada
	m.applyLive(ev)
	// id-2 is acknowledged at offset 3 and its message has not arrived yet.
	m.acked("id-2", 3)
	if len(m.pending) != 2 {
		t.Fatalf("pending = %+v, want id-2 (acked) and id-3", m.pending)
	}
	// Offset 3 arrives without an id match: the ack covers it.
	m.applyLive(msg("e1", 3, "two"))
	if len(m.pending) != 1 || m.pending[0].id != "id-3" {
		t.Fatalf("pending = %+v, want only id-3", m.pending)
	}
	if text, ok := m.refused("id-3"); !ok || text != "three" || len(m.pending) != 0 {
		t.Errorf("refused = %q, %v; pending %+v", text, ok, m.pending)
	}
	// A duplicate offset is shown once.
	m.applyLive(msg("e1", 3, "two"))
	if got := shown(&m); !slices.Equal(got, []string{"old", "one", "two"}) {
		t.Errorf("lines = %q", got)
	}
}

// Edits and deletes apply live, from the joined history, and from older
// history pages that load the target after its change (pages come newest
// first).
func TestModelEditsAndDeletes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		joined  []protocol.Event
		live    []protocol.Event
		older   []protocol.Event // one older page, oldest first
		want    []string
		wantOld uint64
	}{
		{
			name:   "live edit then delete",
			joined: []protocol.Event{msg("e1", 1, "a"), msg("e1", 2, "b")},
			live:   []protocol.Event{edit(3, 1, "a2"), del(4, 2)},
			want:   []string{"a2 (edited)", "deleted"},
		},
		{
			name:   "edit in the same page as its target",
			joined: []protocol.Event{msg("e1", 5, "a"), edit(6, 5, "a2"), edit(7, 5, "a3")},
			want:   []string{"a3 (edited)"},
		},
		{
			name:    "edit seen before its target loads",
			joined:  []protocol.Event{msg("e1", 10, "new"), edit(11, 3, "fixed")},
			older:   []protocol.Event{msg("e1", 3, "typo"), msg("e1", 4, "x")},
			want:    []string{"fixed (edited)", "x", "new"},
			wantOld: 3,
		},
		{
			name:   "an older edit does not undo a newer one",
			joined: []protocol.Event{msg("e1", 20, "new"), edit(22, 2, "second")},
			older:  []protocol.Event{msg("e1", 2, "first"), edit(21, 2, "stale")},
			want:   []string{"second (edited)", "new"},
		},
		{
			name:   "delete wins over a later edit",
			joined: []protocol.Event{msg("e1", 1, "a"), del(2, 1)},
			live:   []protocol.Event{edit(3, 1, "zombie")},
			want:   []string{"deleted"},
		},
		{
			name:   "delete seen before its target loads",
			joined: []protocol.Event{msg("e1", 9, "n"), del(10, 8)},
			older:  []protocol.Event{msg("e1", 8, "gone")},
			want:   []string{"deleted", "n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := roomModel{me: ada}
			m.applyJoined(protocol.Event{Epoch: "e1", Events: tt.joined, More: true})
			for _, ev := range tt.live {
				m.applyLive(ev)
			}
			if tt.older != nil {
				m.prependHistory(tt.older, false)
				if m.more {
					t.Errorf("more = true after a last page")
				}
			}
			if got := shown(&m); !slices.Equal(got, tt.want) {
				t.Errorf("lines = %q, want %q", got, tt.want)
			}
			if tt.wantOld != 0 && m.oldestOffset() != tt.wantOld {
				t.Errorf("oldestOffset = %d, want %d", m.oldestOffset(), tt.wantOld)
			}
		})
	}
}

func TestModelJoinedResetAndRecover(t *testing.T) {
	t.Parallel()
	m := roomModel{me: ada}
	m.applyJoined(protocol.Event{Epoch: "e1", Events: []protocol.Event{msg("e1", 1, "a")}})
	m.applyJoined(protocol.Event{Epoch: "e1", Recovered: true, Events: []protocol.Event{msg("e1", 1, "a"), msg("e1", 2, "b")}})
	if got := shown(&m); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("recovered: %q", got)
	}
	m.applyJoined(protocol.Event{Epoch: "e2", Events: []protocol.Event{msg("e2", 1, "fresh")}, More: true})
	if got := shown(&m); !slices.Equal(got, []string{"fresh"}) || !m.more {
		t.Errorf("reset: %q more=%v", got, m.more)
	}
}

func TestModelTyping(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	typing := func(u protocol.User) protocol.Event {
		return protocol.Event{Type: protocol.EvTyping, Room: "lobby", User: &u}
	}
	bob, cy := protocol.User{ID: "u3", Name: "bob"}, protocol.User{ID: "u4", Name: "Cy"}
	tests := []struct {
		name  string
		who   []protocol.User
		after time.Duration
		msgBy *protocol.User
		want  string
	}{
		{"nobody", nil, 0, nil, ""},
		{"never the reader", []protocol.User{ada}, 0, nil, ""},
		{"one", []protocol.User{grace}, 0, nil, "Grace is typing…"},
		{"two, sorted", []protocol.User{grace, bob}, 0, nil, "bob and Grace are typing…"},
		{"several", []protocol.User{grace, bob, cy}, 0, nil, "Several people are typing…"},
		{"expires after the TTL", []protocol.User{grace}, protocol.TypingTTL, nil, ""},
		{"still there before the TTL", []protocol.User{grace}, protocol.TypingTTL - time.Millisecond, nil, "Grace is typing…"},
		{"a message ends it", []protocol.User{grace, bob}, 0, &grace, "bob is typing…"},
	}
	for _, tt := range tests {
		m := roomModel{me: ada}
		for _, u := range tt.who {
			m.applyTyping(typing(u), now)
		}
		m.expireTyping(now.Add(tt.after))
		if tt.msgBy != nil {
			ev := msg("e1", 1, "hi")
			ev.User = tt.msgBy
			m.applyLive(ev)
		}
		if got := m.typingText(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestModelUnreadAndDivider(t *testing.T) {
	t.Parallel()
	m := roomModel{me: ada}
	m.applyJoined(protocol.Event{Epoch: "e1", Events: []protocol.Event{msg("e1", 1, "seen")}})
	m.applyLive(msg("e1", 2, "while visible"))
	if m.unread != 0 || m.divider != 0 {
		t.Fatalf("visible tab: unread %d divider %d", m.unread, m.divider)
	}
	m.setHidden(true)
	m.applyLive(msg("e1", 3, "hello"))
	m.applyLive(msg("e1", 4, "@ada look"))
	mine := msg("e1", 5, "my own")
	mine.User = &ada
	m.applyLive(mine)
	if m.unread != 2 || m.unreadMentions != 1 || m.divider != 3 {
		t.Errorf("hidden: unread %d mentions %d divider %d, want 2 1 3", m.unread, m.unreadMentions, m.divider)
	}
	m.setHidden(false)
	if m.unread != 0 || m.unreadMentions != 0 || m.divider != 3 {
		t.Errorf("shown again: unread %d mentions %d divider %d; the divider stays", m.unread, m.unreadMentions, m.divider)
	}
	m.setHidden(true)
	m.applyLive(msg("e1", 6, "later"))
	if m.divider != 6 {
		t.Errorf("second hidden period: divider %d, want 6", m.divider)
	}
}

func TestTitleText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		unread, mentions int
		want             string
	}{
		{0, 0, "#lobby – Switchboard"},
		{3, 0, "(3) #lobby – Switchboard"},
		{3, 1, "(3, 1 @) #lobby – Switchboard"},
	}
	for _, tt := range tests {
		if got := titleText("lobby", tt.unread, tt.mentions); got != tt.want {
			t.Errorf("titleText(%d, %d) = %q, want %q", tt.unread, tt.mentions, got, tt.want)
		}
	}
}

func TestGrouped(t *testing.T) {
	t.Parallel()
	at := func(u protocol.User, ms int64) line {
		ev := msg("e1", 1, "x")
		ev.User, ev.Time = &u, ms
		return line{kind: lineMessage, ev: ev}
	}
	const min = 60_000
	tests := []struct {
		name      string
		prev, cur line
		want      bool
	}{
		{"same person, a minute apart", at(ada, 0), at(ada, min), true},
		{"same person, just under 5 minutes", at(ada, 0), at(ada, 5*min-1), true},
		{"same person, 5 minutes apart", at(ada, 0), at(ada, 5*min), false},
		{"another person", at(ada, 0), at(grace, 1000), false},
		{"after a notice", line{kind: lineNotice, text: "Ada joined"}, at(ada, 0), false},
		{"clock went back", at(ada, min), at(ada, 0), false},
	}
	for _, tt := range tests {
		if got := grouped(tt.prev, tt.cur); got != tt.want {
			t.Errorf("%s: grouped = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The prerendered snapshot shows until the session has joined: a new
// session keeps it (the page connects right after its first render), the
// joined event replaces it, and later sessions start empty.
func TestSeedUntilJoined(t *testing.T) {
	var m roomModel
	m.seed([]protocol.Event{msg("e1", 1, "one"), edit(3, 1, "one!"), msg("e1", 2, "two")}, true)
	if got := shown(&m); !slices.Equal(got, []string{"one! (edited)", "two"}) || !m.seeded || !m.more || m.joined {
		t.Fatalf("seeded: %v seeded=%v more=%v joined=%v", got, m.seeded, m.more, m.joined)
	}
	m.setHidden(true)
	m.reset()
	if got := shown(&m); !slices.Equal(got, []string{"one! (edited)", "two"}) || !m.seeded || !m.hidden {
		t.Fatalf("after a new session: %v seeded=%v hidden=%v", got, m.seeded, m.hidden)
	}
	m.applyJoined(protocol.Event{Type: protocol.EvJoined, Events: []protocol.Event{msg("e1", 2, "two"), msg("e1", 4, "four")}})
	if got := shown(&m); !slices.Equal(got, []string{"two", "four"}) || m.seeded || !m.joined {
		t.Fatalf("joined: %v seeded=%v joined=%v", got, m.seeded, m.joined)
	}
	m.reset()
	if len(m.lines) != 0 || m.joined || !m.hidden {
		t.Fatalf("a later session starts with %v joined=%v hidden=%v", shown(&m), m.joined, m.hidden)
	}
}

// A joined room's last messages are kept as shown (edits applied, deleted
// ones left out); before joining, a kept copy replaces an older or empty
// list of the same epoch, never a newer one or another epoch's.
func TestRecentMessages(t *testing.T) {
	var m roomModel
	if _, ok := m.recent("lobby", 2); ok {
		t.Fatal("recent before joining")
	}
	m.applyJoined(protocol.Event{Type: protocol.EvJoined, Events: []protocol.Event{
		msg("e1", 1, "one"), msg("e1", 2, "two"), msg("e1", 3, "three"), edit(4, 3, "three!"), msg("e1", 5, "five"), del(6, 5),
	}})
	kept, ok := m.recent("lobby", 2)
	var texts []string
	for _, ev := range kept.Events {
		texts = append(texts, ev.Text)
	}
	if !ok || kept.Type != protocol.EvHistory || kept.Room != "lobby" || !slices.Equal(texts, []string{"two", "three!"}) {
		t.Fatalf("recent = %v %+v", ok, kept)
	}

	var fresh roomModel
	if !fresh.staleFor(kept) {
		t.Error("an empty page does not take the kept messages")
	}
	var old roomModel
	old.seed([]protocol.Event{msg("e1", 1, "one"), msg("e1", 2, "two")}, false)
	if !old.staleFor(kept) {
		t.Error("an older prerendered page does not take the kept messages")
	}
	old.reseed(kept.Events)
	if got := shown(&old); !slices.Equal(got, []string{"two", "three!"}) || !old.seeded {
		t.Errorf("reseeded: %v", got)
	}
	var newer roomModel
	newer.seed([]protocol.Event{msg("e1", 3, "three"), msg("e1", 9, "nine")}, false)
	var other roomModel
	other.seed([]protocol.Event{msg("e2", 1, "new epoch")}, false)
	if newer.staleFor(kept) || other.staleFor(kept) || m.staleFor(kept) {
		t.Error("kept messages replace a newer page, another epoch's, or a live one")
	}
}

package ui

import (
	"slices"
	"testing"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func msg(epoch string, offset uint64, text string) protocol.Event {
	return protocol.Event{Type: protocol.EvMessage, Room: "r", Epoch: epoch, Offset: offset, Text: text,
		User: &protocol.User{ID: "u1", Name: "Ada"}}
}

func texts(evs []protocol.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Text)
	}
	return out
}

func TestPositionAcceptDropsDuplicates(t *testing.T) {
	t.Parallel()
	var p position
	steps := []struct {
		ev   protocol.Event
		want bool
	}{
		{msg("e1", 1, "a"), true},
		{msg("e1", 2, "b"), true},
		{msg("e1", 2, "b again"), false},
		{msg("e1", 1, "a again"), false},
		{msg("e1", 4, "d"), true}, // a gap is not ours to fill
		{msg("e2", 1, "new epoch"), true},
		{msg("e2", 1, "new epoch again"), false},
		{protocol.Event{Type: protocol.EvMessage, Text: "unstored"}, true},
	}
	for i, s := range steps {
		if got := p.accept(s.ev); got != s.want {
			t.Errorf("step %d (%q): accept = %v, want %v", i, s.ev.Text, got, s.want)
		}
	}
	if p != (position{Epoch: "e2", Offset: 1}) {
		t.Errorf("position = %+v, want e2/1", p)
	}
}

func TestPositionJoin(t *testing.T) {
	t.Parallel()
	history := []protocol.Event{msg("", 1, "a"), msg("", 2, "b"), msg("", 3, "c")}

	t.Run("first join takes the history", func(t *testing.T) {
		var p position
		msgs, reset := p.join(protocol.Event{Type: protocol.EvJoined, Epoch: "e1", Offset: 3, Events: history})
		if !reset || !slices.Equal(texts(msgs), []string{"a", "b", "c"}) {
			t.Fatalf("join = %v reset=%v, want a b c and reset", texts(msgs), reset)
		}
		if msgs[0].Epoch != "e1" {
			t.Errorf("history events get the joined epoch; got %q", msgs[0].Epoch)
		}
		if !p.resumable() || p != (position{Epoch: "e1", Offset: 3}) {
			t.Errorf("position = %+v, want e1/3", p)
		}
	})

	t.Run("recovered join appends only what is new", func(t *testing.T) {
		p := position{Epoch: "e1", Offset: 2}
		msgs, reset := p.join(protocol.Event{Type: protocol.EvJoined, Epoch: "e1", Offset: 4, Recovered: true,
			Events: []protocol.Event{msg("e1", 2, "b"), msg("e1", 3, "c"), msg("e1", 4, "d")}})
		if reset || !slices.Equal(texts(msgs), []string{"c", "d"}) {
			t.Fatalf("join = %v reset=%v, want c d appended", texts(msgs), reset)
		}
		if p.Offset != 4 {
			t.Errorf("offset = %d, want 4", p.Offset)
		}
	})

	t.Run("unrecovered join replaces", func(t *testing.T) {
		p := position{Epoch: "e1", Offset: 9}
		msgs, reset := p.join(protocol.Event{Type: protocol.EvJoined, Epoch: "e1", Offset: 3, Events: history})
		if !reset || len(msgs) != 3 {
			t.Fatalf("join = %v reset=%v, want the 3 history messages, reset", texts(msgs), reset)
		}
		if p.Offset != 3 {
			t.Errorf("offset = %d, want 3", p.Offset)
		}
	})

	t.Run("new epoch replaces even if recovered", func(t *testing.T) {
		p := position{Epoch: "old", Offset: 9}
		_, reset := p.join(protocol.Event{Type: protocol.EvJoined, Epoch: "e1", Offset: 3, Recovered: true, Events: history})
		if !reset {
			t.Fatal("a joined event of another epoch must reset the list")
		}
	})

	t.Run("empty room", func(t *testing.T) {
		var p position
		msgs, reset := p.join(protocol.Event{Type: protocol.EvJoined, Epoch: "e1"})
		if !reset || len(msgs) != 0 || p.resumable() {
			t.Fatalf("join = %v reset=%v pos=%+v", msgs, reset, p)
		}
	})
}

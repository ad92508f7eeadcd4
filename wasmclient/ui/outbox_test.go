package ui

import (
	"testing"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func TestOutboxStore(t *testing.T) {
	t.Parallel()
	s := mapStorage{}
	o := newOutboxStore(s, "lobby")
	if got := o.Load(); len(got) != 0 {
		t.Fatalf("empty storage loads %+v", got)
	}
	cmds := []protocol.Command{
		{Type: protocol.CmdSend, ID: "o1", Room: "lobby", Text: "hi"},
		{Type: protocol.CmdEdit, ID: "o2", Room: "lobby", Target: 3, Text: "fixed"},
	}
	o.Save(cmds)
	if !s.Contains(keyOutboxPrefix + "lobby") {
		t.Fatalf("not stored under the room's key: %v", s)
	}
	if got := newOutboxStore(s, "lobby").Load(); len(got) != 2 || got[0].ID != "o1" || got[1].Target != 3 {
		t.Errorf("reloaded outbox = %+v", got)
	}
	if got := newOutboxStore(s, "other").Load(); len(got) != 0 {
		t.Errorf("another room's outbox = %+v", got)
	}
	// Entries that are not valid commands (an older format, a hand edit) are dropped.
	s.Set(keyOutboxPrefix+"lobby", []protocol.Command{{Type: protocol.CmdSend, ID: "o3", Room: "lobby"}, cmds[0]})
	if got := o.Load(); len(got) != 1 || got[0].ID != "o1" {
		t.Errorf("invalid entries kept: %+v", got)
	}
	o.Save(nil)
	if s.Contains(keyOutboxPrefix + "lobby") {
		t.Errorf("an empty outbox leaves its key behind")
	}
}

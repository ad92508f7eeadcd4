package ui

import (
	"testing"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// The inbox counts a visitor's messages as unread until an agent answers
// or opens the conversation, newest conversation first, each message once.
func TestInboxCounts(t *testing.T) {
	ann, bob := protocol.User{ID: "uAnn", Name: "ann"}, protocol.User{ID: "uBob", Name: "bob"}
	agent := protocol.User{ID: "jAgent", Name: "Agnes"}
	direct := func(conv string, off uint64, at int64, u protocol.User, text string) protocol.Event {
		return protocol.Event{Type: protocol.EvDirect, Room: protocol.AgentsInbox, Conversation: conv, Target: off, Time: at, User: &u, Text: text}
	}
	var p inboxPage
	for _, ev := range []protocol.Event{
		direct("conv-uAnn", 1, 10, ann, "hello"),
		direct("conv-uAnn", 2, 11, ann, "anyone?"),
		direct("conv-uBob", 1, 12, bob, "hi"),
		direct("conv-uAnn", 2, 11, ann, "anyone?"), // again: counted once
		direct("lobby", 5, 13, bob, "not a conversation"),
	} {
		p.add(ev, false)
	}
	if len(p.convs) != 2 || p.convs[0].room != "conv-uBob" || p.convs[1].unread != 2 || p.convs[0].unread != 1 {
		t.Fatalf("convs = %+v", p.convs)
	}
	p.add(direct("conv-uAnn", 3, 14, agent, "here!"), false)
	if c := p.convs[0]; c.room != "conv-uAnn" || c.unread != 0 || c.visitor != "ann" || c.lastBy != "Agnes" {
		t.Fatalf("after the answer: %+v", c)
	}
	p.read = map[string]uint64{"conv-uBob": 2}
	p.add(direct("conv-uBob", 2, 15, bob, "read already"), false)
	if c := p.convs[0]; c.room != "conv-uBob" || c.unread != 1 {
		t.Fatalf("a message opened already counted: %+v", c)
	}
}

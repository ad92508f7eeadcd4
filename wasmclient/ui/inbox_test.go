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

// Resolving moves a conversation to the resolved list until its visitor
// writes again; events seen before (a rejoin's history) are skipped.
func TestInboxResolved(t *testing.T) {
	ann := protocol.User{ID: "uAnn", Name: "ann"}
	agent := protocol.User{ID: "jAgent", Name: "Agnes"}
	var p inboxPage
	evs := []protocol.Event{
		{Type: protocol.EvDirect, Offset: 1, Conversation: "conv-uAnn", Target: 1, User: &ann, Text: "hi", Page: "https://shop.example/a"},
		{Type: protocol.EvResolved, Offset: 2, Conversation: "conv-uAnn", User: &agent},
	}
	for range 2 {
		for _, ev := range evs {
			p.add(ev, false)
		}
	}
	if c := p.convs[0]; !c.resolved || c.unread != 1 || c.page != "https://shop.example/a" || pageShort(c.page) != "shop.example/a" {
		t.Fatalf("after resolve: %+v", c)
	}
	p.add(protocol.Event{Type: protocol.EvDirect, Offset: 3, Conversation: "conv-uAnn", Target: 2, User: &ann, Text: "again"}, false)
	if c := p.convs[0]; c.resolved || c.unread != 2 {
		t.Fatalf("after the visitor wrote again: %+v", c)
	}
}

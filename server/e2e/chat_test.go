package e2e

import (
	"testing"

	"github.com/switchboard-rt/switchboard/server"
)

// Two people open the served page in two browsers, join one room under
// different nicknames, and a message typed in one appears in the other.
func TestTwoTabsChat(t *testing.T) {
	n := startNode(t, server.Config{})
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	bob := newTab(t, alloc, "bob")

	for _, p := range []*tab{ann, bob} {
		p.navigate(n.HTTP.URL + "/")
		p.typeInto("textbox", "Nickname", p.name)
		p.clear("textbox", "Room")
		p.typeInto("textbox", "Room", "e2e-lobby")
		p.click("button", "Join")
		p.find("textbox", "Message")
	}
	// Both see each other online.
	ann.waitText("region", "Online", "bob")
	bob.waitText("region", "Online", "ann")

	ann.typeInto("textbox", "Message", "hello from ann")
	ann.pressEnter()
	bob.waitText("list", "Messages", "hello from ann")

	bob.typeInto("textbox", "Message", "hi ann, bob here")
	bob.click("button", "Send")
	ann.waitText("list", "Messages", "hi ann, bob here")
	ann.waitText("list", "Messages", "hello from ann")

	ann.screenshot("room-ann")
	bob.screenshot("room-bob")
}

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
)

// The room as people see it on a desktop and on a phone, kept as test
// artifacts (room-desktop.png, room-phone.png, home-desktop.png,
// home-phone.png): grouped messages, a link, mentions (one of the reader),
// an edited message, a join notice and someone typing.
func TestRoomScreenshots(t *testing.T) {
	const room = "design-review"
	n := startNode(t, server.Config{})
	grace := testnode.Dial(t, n.WS, "Grace")
	bob := testnode.Dial(t, n.WS, "bob")
	joinGo(t, grace, room)
	joinGo(t, bob, room)
	sendGo(t, grace, room, "Morning! The new room list is live on staging.")
	sendGo(t, grace, room, "Notes are here: https://example.com/notes/switchboard?v=2")
	sendGo(t, bob, room, "Looks great. Two things:\n1. the counter near the composer\n2. keyboard focus on the edit buttons")
	sendGo(t, bob, room, "@Grace can you check the phone layout?")
	sendGo(t, grace, room, "**Release** goes out _today_, ~~Friday~~:\n```\nmake run\nmake test   # under 15 min\n```\n> run `make bench` before you merge")

	alloc := browser(t)
	ann, _ := openTab(t, alloc, "ann")
	ann.navigate(n.HTTP.URL + "/")
	ann.waitText("list", "Active rooms", room)
	ann.screenshot("home-desktop")

	ann.joinRoom(n.HTTP.URL, room)
	ann.waitText("list", "Messages", "phone layout")
	ann.say("On it — I'll post screenshots in a minute.")
	ann.waitText("list", "Messages", "screenshots in a minute")
	ann.waitNoText("list", "Messages", "Sending…")
	sendGo(t, grace, room, "Thanks @ann! <b>bold</b> stays plain text, by the way.")
	ann.waitText("list", "Messages", "bold")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := bob.Typing(ctx, room); err != nil {
		t.Fatalf("typing: %v", err)
	}
	ann.waitText("status", "Typing", "bob is typing…")
	ann.screenshot("room-desktop")
	// Keyboard focus on one of ann's messages shows its actions.
	ann.do("focus Edit message", focus(ann.find("button", "Edit message")))
	ann.screenshot("room-desktop-actions")

	ann.do("phone viewport", chromedp.EmulateViewport(375, 812, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	ann.waitText("list", "Messages", "bold")
	ann.screenshot("room-phone")
	ann.navigate(n.HTTP.URL + "/")
	ann.waitText("list", "Active rooms", room)
	ann.screenshot("home-phone")
}

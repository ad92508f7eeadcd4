package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
)

// The room list beside the conversation counts unread messages and
// mentions in the person's other rooms, live and across a reload, and
// clears them when the room is opened. A direct message reaches the other
// person's list; a third person can neither enter its room nor find its
// messages in the served page.
func TestRoomListAndDirectMessages(t *testing.T) {
	const roomA, roomB = "e2e-list-a", "e2e-list-b"
	base, alloc, ann, bob := annAwayFrom(t, roomA, roomB)

	bob.say("hello @ann, are you there?")
	bob.say("second one")
	ann.find("link", "#"+roomA+", 2 unread, 1 mentioning you")
	// Ann follows roomA from roomB for these counts without being there:
	// roomA shows bob alone online.
	bob.waitText("region", "Online", "1 online")
	if n := bob.count("button", "Message ann privately"); n != 0 {
		t.Errorf("ann, in another room, is listed online in %s (%d)", roomA, n)
	}
	ann.do("reload", chromedp.Reload())
	ann.waitText("status", "Connection", "Connected")
	ann.find("link", "#"+roomA+", 2 unread, 1 mentioning you")
	ann.screenshot("room-list")
	ann.click("link", "#"+roomA+", 2 unread, 1 mentioning you")
	ann.waitText("list", "Messages", "second one")
	ann.find("link", "#"+roomB)
	if got := evalPage[string](ann, `document.querySelector('.sb-roomlink[aria-current="page"]').textContent`); got != "#"+roomA {
		t.Errorf("the current room in the list is %q, want #%s", got, roomA)
	}

	// Ann writes to bob directly, from the Online list.
	ann.click("button", "Message bob privately")
	ann.waitText("status", "Connection", "Connected")
	ann.waitText("heading", "bob (direct messages)", "bob")
	ann.say("psst bob, just for you")
	ann.waitNoText("list", "Messages", "Sending…")
	ann.screenshot("direct-message")
	bob.find("link", "@ann, 1 unread")
	bob.click("link", "@ann, 1 unread")
	bob.waitText("list", "Messages", "psst bob, just for you")
	dm := strings.TrimPrefix(evalPage[string](bob, `location.pathname`), "/r/")
	if !strings.HasPrefix(dm, "dm-") {
		t.Fatalf("bob's direct-message page is at %q", dm)
	}
	checkLegible(t, bob, 1280)
	bob.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	checkLegible(t, bob, 390)
	bob.screenshot("direct-message-phone")

	// A third person: refused at the door, and nothing in the page.
	cat := newTab(t, alloc, "cat")
	cat.beforeScripts(rememberNickname("cat"))
	cat.navigate(base + "/r/" + dm)
	cat.waitText("alert", "", "private")
	if got, _ := textOf(cat, "list", "Messages"); strings.Contains(got, "psst") {
		t.Fatalf("cat sees the direct message: %q", got)
	}
	if strings.Contains(getPage(t, base+"/r/"+dm), "psst") {
		t.Fatal("the served direct-message page holds its messages")
	}
}

// Two tabs of one browser keep one room list: a room read in one is read
// in the other (local storage's storage event), without a reload.
func TestRoomListAcrossTabs(t *testing.T) {
	const roomA, roomB = "e2e-tabs-a", "e2e-tabs-b"
	base, _, ann, bob := annAwayFrom(t, roomA, roomB)

	bob.say("one for the other tab")
	ann.find("link", "#"+roomA+", 1 unread")

	// A second tab of ann's browser (same storage) opens the room.
	ctx, cancel := chromedp.NewContext(ann.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	ann2 := &tab{t: t, name: "ann (second tab)", ctx: ctx}
	ann2.navigate(base + "/r/" + roomA)
	ann2.waitText("list", "Messages", "one for the other tab")
	ann.find("link", "#"+roomA)
	if n := ann.count("link", "#"+roomA+", 1 unread"); n != 0 {
		t.Fatalf("the first tab still counts the message read in the second (%d)", n)
	}
}

// annAwayFrom starts a node and a browser with ann and bob in roomA, then
// ann in roomB, with roomA in her room list and nothing unread.
func annAwayFrom(t *testing.T, roomA, roomB string) (base string, alloc context.Context, ann, bob *tab) {
	t.Helper()
	base = startNode(t, server.Config{}).HTTP.URL
	alloc = browser(t)
	ann, bob = newTab(t, alloc, "ann"), newTab(t, alloc, "bob")
	ann.joinRoom(base, roomA)
	bob.joinRoom(base, roomA)
	ann.navigate(base + "/r/" + roomB)
	ann.waitText("status", "Connection", "Connected")
	ann.find("link", "#"+roomA) // listed, nothing unread
	return base, alloc, ann, bob
}

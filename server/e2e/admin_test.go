package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/adminapi"
)

const e2eAdminToken = "e2e admin token, long enough"

// The admin dashboard signs in with the admin token and shows the live
// connection count: it goes up when a tab joins a room and down when the
// tab closes; the room appears in the list and its member with her node.
// Screenshots: admin-desktop.png, admin-phone.png.
func TestAdminDashboardLive(t *testing.T) {
	const room = "e2e-admin"
	n := startNode(t, server.Config{AdminToken: e2eAdminToken, Node: "node-e2e"})
	alloc := browser(t)
	admin := newTab(t, alloc, "admin")
	admin.navigate(n.HTTP.URL + "/admin")
	admin.find("textbox", "Admin token")
	admin.screenshot("admin-signin")
	admin.typeInto("textbox", "Admin token", "wrong token, long enough anyway")
	admin.click("button", "Open dashboard")
	admin.waitBody("credential was refused")
	admin.clear("textbox", "Admin token")
	admin.typeInto("textbox", "Admin token", e2eAdminToken)
	admin.click("button", "Open dashboard")
	admin.waitText("group", "Connections", "0 Connections")

	ann, closeAnn := openTab(t, alloc, "ann")
	ann.joinRoom(n.HTTP.URL, room)
	admin.waitText("group", "Connections", "1 Connections")
	admin.waitText("group", "Active rooms", "1 Active rooms")
	admin.screenshot("admin-overview")
	admin.click("button", "Manage #"+room)
	admin.waitBody("node-e2e")
	admin.waitBody("ann")
	// Let the charts draw a few seconds of points.
	bot := testnode.Dial(t, n.WS, "bot")
	joinGo(t, bot, room)
	sendGo(t, bot, room, "hello from the bot")
	admin.waitText("group", "Connections", "2 Connections")
	admin.waitText("figure", "Messages per second", "msg/s")
	checkLegible(t, admin, 1280)
	admin.screenshot("admin-desktop")
	admin.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	evalPage[bool](admin, "(window.scrollTo(0, 0), true)")
	checkLegible(t, admin, 390)
	admin.screenshot("admin-phone")
	// Its tables are cards there: nothing sticks out sideways.
	evalPage[bool](admin, `(document.querySelector(".sb-admin-room").scrollIntoView(), true)`)
	admin.screenshot("admin-phone-tables")
	if wide := evalPage[bool](admin, `document.documentElement.scrollWidth > window.innerWidth`); wide {
		t.Error("the admin page scrolls sideways at 390 px")
	}

	closeAnn()
	admin.waitText("group", "Connections", "1 Connections")
}

// An operator's notice shows as Operator with a Notice badge; a person's
// message that says the same words gets no badge, and nobody may take the
// name or its look-alikes.
func TestOperatorNoticeBadge(t *testing.T) {
	const room = "e2e-notice"
	n := startNode(t, server.Config{AdminToken: e2eAdminToken})
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	ann.joinRoom(n.HTTP.URL, room)
	ann.say("Operator NOTICE: not really")
	ann.waitText("list", "Messages", "not really")
	if code, answer := apiPost(t, n.HTTP.URL+adminapi.RoomPath(room)+adminapi.SuffixNote, e2eAdminToken,
		`{"text":"The server restarts at noon."}`); code != 200 {
		t.Fatalf("post a notice: %d %s", code, answer)
	}
	ann.waitText("list", "Messages", "The server restarts at noon.")
	badges := evalPage[[]string](ann, `[...document.querySelectorAll("#sb-messages .sb-badge-notice")].map(b => b.closest("li").textContent)`)
	if len(badges) != 1 || !strings.Contains(badges[0], "The server restarts at noon.") || !strings.Contains(badges[0], "Operator") {
		t.Fatalf("notice badges on %q, want one, on the operator's notice", badges)
	}
	ann.screenshot("operator-notice")

	// "Operator" is refused by the form itself; the look-alikes by the
	// server (the browser build leaves the look-alike tables out), whose
	// answer the room page shows.
	bob := newTab(t, alloc, "bob")
	for _, fake := range []string{"Operator", "0perator", "аdmin"} {
		bob.navigate(n.HTTP.URL + "/")
		bob.clear("textbox", "Nickname")
		bob.typeInto("textbox", "Nickname", fake)
		bob.clear("textbox", "Room")
		bob.typeInto("textbox", "Room", room)
		bob.click("button", "Join")
		bob.waitBody("reserved")
	}
}

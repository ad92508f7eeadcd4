package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
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
	admin.screenshot("admin-desktop")
	admin.do("phone viewport", chromedp.EmulateViewport(375, 812, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	evalPage[bool](admin, "(window.scrollTo(0, 0), true)")
	admin.screenshot("admin-phone")

	closeAnn()
	admin.waitText("group", "Connections", "1 Connections")
}

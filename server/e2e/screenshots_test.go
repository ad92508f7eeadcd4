package e2e

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/api"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
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

	checkLegible(t, ann, 1280)
	ann.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	ann.waitText("list", "Messages", "bold")
	checkLegible(t, ann, 390)
	ann.screenshot("room-phone")
	ann.navigate(n.HTTP.URL + "/")
	ann.waitText("list", "Active rooms", room)
	ann.screenshot("home-phone")
}

// The demo room (live charts, the shared board's summary, messages) at
// desktop and phone sizes, kept as demo-desktop.png and demo-phone.png:
// nothing wider than the screen, no text under 11 px.
func TestDemoRoomScreenshots(t *testing.T) {
	const room, key = "demo", "demo-key-0123456789abcdef01234"
	n := startNode(t, server.Config{APIKeys: []api.Key{{Name: "demo", Secret: key, Rooms: []string{room}}}})
	start := time.Now().Add(-2 * time.Minute)
	for i := range 40 {
		at := start.Add(time.Duration(i) * 3 * time.Second).UnixMilli()
		f := float64(i)
		r2 := func(v float64) float64 { return math.Round(v*100) / 100 }
		postPoints(t, n.HTTP.URL, key, room, "demo-"+strconv.Itoa(i), []protocol.Point{
			{Series: "ACME", Unit: "USD", Value: r2(120 + 3*math.Sin(f/4)), Time: at},
			{Series: "Globex", Unit: "USD", Value: r2(80 + 2*math.Cos(f/5)), Time: at},
			{Series: "Oslo", Unit: "°C", Value: r2(4 + math.Sin(f/7)), Time: at},
			{Series: "Lisbon", Unit: "°C", Value: r2(16 + math.Cos(f/6)), Time: at},
		})
	}
	grace := testnode.Dial(t, n.WS, "Grace")
	joinGo(t, grace, room)
	sendGo(t, grace, room, "ACME is up again this morning 📈")

	alloc := browser(t)
	ann, _ := openTab(t, alloc, "ann")
	ann.joinRoom(n.HTTP.URL, room)
	waitEval(ann, `document.querySelectorAll("figure svg").length`, 2)
	ann.waitText("list", "Messages", "ACME is up")
	ann.say("Lisbon looks warm")
	ann.waitNoText("list", "Messages", "Sending…")
	checkLegible(t, ann, 1280)
	ann.screenshot("demo-desktop")
	ann.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	waitEval(ann, `document.querySelectorAll("figure svg").length`, 2)
	checkLegible(t, ann, 390)
	ann.screenshot("demo-phone")
}

// checkLegible fails t when the page is wider than width or shows text
// smaller than 11 px (visible elements with text of their own, SVG text
// included).
func checkLegible(t *testing.T, tb *tab, width int) {
	t.Helper()
	if w := evalPage[float64](tb, `document.documentElement.scrollWidth`); w > float64(width) {
		t.Errorf("%s: the page is %.0f px wide on a %d px screen", tb.name, w, width)
	}
	small := evalPage[string](tb, `(() => {
		for (const el of document.querySelectorAll("body *")) {
			const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== "");
			if (!own) continue;
			const r = el.getBoundingClientRect();
			const st = getComputedStyle(el);
			if (r.width === 0 || r.height === 0 || st.visibility === "hidden" || el.closest(".sr-only,[hidden]")) continue;
			if (parseFloat(st.fontSize) < 11) return el.outerHTML.slice(0, 120) + " at " + st.fontSize;
		}
		return "";
	})()`)
	if small != "" {
		t.Errorf("%s: text under 11 px at %d px wide: %s", tb.name, width, small)
	}
}

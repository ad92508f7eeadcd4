package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
)

// Two people react to a message and see each other's reactions live,
// counted and named; one taken back while the server is down goes out
// after the reconnect and reaches the other; the reactions are still there
// after a reload (prerendered, then live).
func TestReactionsAcrossUsers(t *testing.T) {
	const room = "e2e-react"
	r := testnode.StartRestartable(t, server.Config{WebDir: webDir})
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	bob := newTab(t, alloc, "bob")
	ann.joinRoom(r.URL, room)
	bob.joinRoom(r.URL, room)

	ann.say("lunch at noon?")
	bob.waitText("list", "Messages", "lunch at noon?")
	ann.waitNoText("list", "Messages", "Sending…")

	bob.activate("button", "Add reaction")
	bob.activate("button", "React with 👍")
	ann.find("button", "👍 1: bob")
	bob.find("button", "👍 1: bob")
	if pressed := evalOn[string](bob, "button", "👍 1: bob", "function() { return this.getAttribute('aria-pressed'); }"); pressed != "true" {
		t.Errorf("bob's own reaction is not shown pressed (aria-pressed %q)", pressed)
	}
	if pressed := evalOn[string](ann, "button", "👍 1: bob", "function() { return this.getAttribute('aria-pressed'); }"); pressed != "false" {
		t.Errorf("bob's reaction shows pressed for ann (aria-pressed %q)", pressed)
	}

	// Ann adds hers with the chip itself; both see two.
	ann.click("button", "👍 1: bob")
	bob.find("button", "👍 2: bob, ann")
	ann.find("button", "👍 2: bob, ann")
	ann.screenshot("reactions")

	// Bob takes his back while the server is down: it waits in the
	// outbox and reaches ann after both reconnect.
	r.Stop()
	bob.waitNoText("status", "Connection", "Connected")
	bob.click("button", "👍 2: bob, ann")
	r.Start()
	for _, tb := range []*tab{ann, bob} {
		if tb.count("button", "Retry now") == 1 {
			tb.click("button", "Retry now")
		}
		tb.waitText("status", "Connection", "Connected")
	}
	ann.find("button", "👍 1: ann")
	bob.find("button", "👍 1: ann")

	// A reload shows them from the server's page at once and keeps them.
	bob.do("reload", chromedp.Reload())
	bob.find("button", "👍 1: ann")
	bob.waitText("status", "Connection", "Connected")
	bob.find("button", "👍 1: ann")
}

// A reply quotes the message it answers; the quote shows that message
// (scrolled to and focused), also after a reload.
func TestReplies(t *testing.T) {
	const room = "e2e-reply"
	n := startNode(t, server.Config{})
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	bob := newTab(t, alloc, "bob")
	ann.joinRoom(n.HTTP.URL, room)
	bob.joinRoom(n.HTTP.URL, room)

	ann.say("who has the keys?")
	bob.waitText("list", "Messages", "who has the keys?")
	bob.activate("button", "Reply")
	bob.waitBody("Replying to")
	bob.waitBody("ann: who has the keys?")
	bob.say("I do")
	quote := "Reply to ann: who has the keys?: show it"
	ann.find("button", quote)
	bob.find("button", quote)
	bob.waitNoText("list", "Messages", "Sending…")
	if bob.count("button", "Cancel reply") != 0 {
		t.Errorf("still replying after the reply was sent")
	}

	// Many messages later the quote brings the answered one back to view.
	for i := range 12 {
		ann.say("filler " + pad(i))
	}
	ann.waitText("list", "Messages", "filler "+pad(11))
	ann.activate("button", quote)
	waitEval(ann, `document.activeElement && document.activeElement.textContent.includes("who has the keys?") && document.activeElement.classList.contains("sb-msg-flash")`, true)

	ann.screenshot("reply")

	// On a phone: the quote fits, and the picker opens over the message.
	bob.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	evalPage[bool](bob, `document.querySelector('#sb-msg-1 [aria-label="Add reaction"]').focus(), true`)
	bob.pressEnter()
	bob.find("button", "React with 🎉")
	if w := evalPage[float64](bob, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the room is %.0f px wide on a 390 px phone with the picker open", w)
	}
	bob.screenshot("reply-phone-picker")
	bob.activate("button", "React with 🎉")
	ann.find("button", "🎉 1: bob")

	ann.do("reload", chromedp.Reload())
	ann.find("button", quote)
	ann.waitText("status", "Connection", "Connected")
	ann.find("button", quote)
}

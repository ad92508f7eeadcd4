package e2e

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/identity"
)

// modSecret signs the test sites' JWTs (HS256, issuer "site", audience
// "switchboard").
var modSecret = []byte("e2e moderation secret of at least 32 bytes")

// withSiteTokens is cfg accepting JWTs signed with modSecret.
func withSiteTokens(cfg server.Config) server.Config {
	cfg.Tokens = identity.TokenConfig{HS256Secret: modSecret, Audience: "switchboard", Issuer: "site"}
	return cfg
}

// siteToken signs a JWT for person sub with a display name and a role.
func siteToken(t testing.TB, sub, name, role string) string {
	t.Helper()
	claims := jwt.MapClaims{
		"iss": "site", "aud": "switchboard", "exp": time.Now().Add(time.Hour).Unix(),
		"sub": sub, "name": name,
	}
	if role != "" {
		claims["role"] = role
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(modSecret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signInTo stores token where the app looks for a site's sign-in
// (localStorage "switchboard/token", as a host page would), then opens
// room and waits until it is connected.
func (tb *tab) signInTo(base, room, token string) {
	tb.t.Helper()
	tb.navigate(base + "/")
	if !evalPage[bool](tb, `(localStorage.setItem("switchboard/token", `+strconv.Quote(token)+`), true)`) {
		tb.t.Fatalf("%s: could not store the token", tb.name)
	}
	tb.navigate(base + "/r/" + room)
	tb.find("textbox", "Message")
	tb.waitText("status", "Connection", "Connected")
}

// A moderator signed in by a site's token deletes someone else's message
// with the same button and confirmation as their own; everyone sees it
// deleted. A normal person sees no moderation controls.
func TestModeratorDeletesMessage(t *testing.T) {
	const room = "e2e-mod-delete"
	n := startNode(t, withSiteTokens(server.Config{}))
	alloc := browser(t)
	mod := newTab(t, alloc, "Mod")
	bob := newTab(t, alloc, "bob")
	mod.signInTo(n.HTTP.URL, room, siteToken(t, "m1", "Mod", "moderator"))
	bob.joinRoom(n.HTTP.URL, room)
	mod.waitText("region", "Online", "bob")
	bob.waitText("region", "Online", "Mod")

	mod.say("moderator speaking")
	bob.waitText("list", "Messages", "moderator speaking")
	bob.say("buy cheap watches")
	mod.waitText("list", "Messages", "buy cheap watches")
	bob.waitNoText("list", "Messages", "Sending…")

	// bob: a Delete button on his own message only, no Kick or Ban at all.
	if got := bob.count("button", "Delete message"); got != 1 {
		t.Errorf("bob sees %d Delete message buttons, want 1 (his own message only)", got)
	}
	for _, name := range []string{"Kick Mod", "Ban Mod for 1 hour", "Kick", "Kick bob"} {
		if bob.count("button", name) != 0 {
			t.Errorf("bob sees a %q button", name)
		}
	}

	// The moderator: Delete on both messages, Edit only on their own, and
	// Kick and Ban for bob but not for themselves.
	if got := mod.count("button", "Delete message"); got != 2 {
		t.Errorf("the moderator sees %d Delete message buttons, want 2", got)
	}
	if got := mod.count("button", "Edit message"); got != 1 {
		t.Errorf("the moderator sees %d Edit message buttons, want 1", got)
	}
	mod.find("button", "Kick bob")
	mod.find("button", "Ban bob for 1 hour")
	if mod.count("button", "Kick Mod") != 0 {
		t.Errorf("the moderator can kick themselves")
	}
	mod.screenshot("moderator-view")

	// Delete bob's message: it is the last message, so its Delete button
	// is the last one.
	ids := mod.findAll("button", "Delete message", 2)
	mod.do("activate the last Delete message", focus(ids[1]), chromedp.KeyEvent(kb.Enter))
	mod.activate("button", "Yes, delete")
	bob.waitText("list", "Messages", "This message was deleted")
	mod.waitText("list", "Messages", "This message was deleted")
	bob.waitNoText("list", "Messages", "buy cheap watches")
	mod.waitNoText("list", "Messages", "buy cheap watches")
	bob.waitText("list", "Messages", "moderator speaking")
	if got := bob.count("button", "Delete message"); got != 0 {
		t.Errorf("bob still sees %d Delete message buttons after his message was deleted", got)
	}
}

// A moderator kicks someone with a reason: the person reads it in an
// alert, their composer is disabled, and they are offered the way back.
// They leave the moderator's Online list.
func TestKickedUserSeesReason(t *testing.T) {
	const room = "e2e-mod-kick"
	const reason = "Please keep it civil"
	n := startNode(t, withSiteTokens(server.Config{}))
	alloc := browser(t)
	mod := newTab(t, alloc, "Mod")
	bob := newTab(t, alloc, "bob")
	mod.signInTo(n.HTTP.URL, room, siteToken(t, "m1", "Mod", "moderator"))
	bob.joinRoom(n.HTTP.URL, room)
	mod.waitText("region", "Online", "bob")

	mod.click("button", "Kick bob")
	mod.typeInto("textbox", "Reason", reason)
	mod.screenshot("moderator-kick-form")
	mod.click("button", "Kick")

	bob.waitText("alert", "", reason)
	bob.waitText("alert", "", "A moderator removed you from #"+room)
	bob.find("link", "Back to rooms")
	if !evalOn[bool](bob, "textbox", "Message", "function() { return this.disabled; }") {
		t.Errorf("the kicked person's composer is still enabled")
	}
	bob.screenshot("kicked")

	mod.waitText("status", "Moderation", "You removed bob from #"+room)
	mod.waitText("region", "Online", "1 online")
	if mod.count("button", "Kick bob") != 0 {
		t.Errorf("the moderator can still kick bob after he left")
	}

	// A kick is no ban: opening the room again lets bob back in.
	bob.navigate(n.HTTP.URL + "/")
	bob.navigate(n.HTTP.URL + "/r/" + room)
	bob.waitText("status", "Connection", "Connected")
	mod.waitText("region", "Online", "bob")
}

// A ban keeps the person out: the alert says until when, and opening the
// room again is refused with the ban's end.
func TestBannedUserIsRefused(t *testing.T) {
	const room = "e2e-mod-ban"
	n := startNode(t, withSiteTokens(server.Config{}))
	alloc := browser(t)
	mod := newTab(t, alloc, "Mod")
	bob := newTab(t, alloc, "bob")
	mod.signInTo(n.HTTP.URL, room, siteToken(t, "m1", "Mod", "moderator"))
	bob.joinRoom(n.HTTP.URL, room)
	mod.waitText("region", "Online", "bob")

	mod.click("button", "Ban bob for 1 hour")
	mod.typeInto("textbox", "Reason", "Spam")
	mod.click("button", "Ban")
	bob.waitText("alert", "", "A moderator removed you from #"+room+": Spam")
	bob.waitText("alert", "", "You are banned until ")
	mod.waitText("status", "Moderation", "You banned bob from #"+room+" for 1 hour.")

	bob.navigate(n.HTTP.URL + "/")
	bob.navigate(n.HTTP.URL + "/r/" + room)
	bob.waitText("alert", "", "A moderator banned you from this room until ")
	bob.find("link", "Back to rooms")
}

// findAll waits until exactly want elements have role and name.
func (tb *tab) findAll(role, name string, want int) []cdp.BackendNodeID {
	tb.t.Helper()
	var last []cdp.BackendNodeID
	ok := tb.poll(fmt.Sprintf("%d of the %s %q", want, role, name), func(ctx context.Context) (bool, error) {
		ids, err := chromedp.Run(ctx, axNodes(role, name))
		last = ids
		return len(ids) == want, err
	})
	if !ok {
		tb.t.Fatalf("%s: found %d elements with role %s and name %q, want %d", tb.name, len(last), role, name, want)
	}
	return last
}

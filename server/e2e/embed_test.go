package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// widgetJS reaches into the loader's shadow root on the host page.
const widgetJS = `document.querySelector("[data-switchboard]").shadowRoot`

// expanded is whether the launcher says its panel is open.
const expanded = widgetJS + `.querySelector(".sb-launcher").getAttribute("aria-expanded")`

// A site on another origin pastes the snippet: the bubble opens a panel
// whose iframe joins the room, messages from someone else (a Go client,
// and a person in a normal browser tab on the full room page /r/{room})
// appear in it, the badge counts messages while the panel is closed, the
// host's API reports them, and the host page's own styles, links and
// scripts are untouched.
func TestEmbedWidget(t *testing.T) {
	const room = "support"
	site := startHostSite(t)
	n := startNode(t, server.Config{EmbedOrigins: []string{site.Origin}})
	site.SetSnippet(loaderSnippet(n.HTTP.URL, room, `data-title="Acme support" data-accent="#0f766e"`) +
		`<script>window.addEventListener("load", () => {
  window.seen = [];
  window.unreads = [];
  Switchboard.on("message", (m) => seen.push(m.user + ": " + m.text));
  Switchboard.on("unread", (u) => unreads.push(u.count));
});</script>`)
	bob := testnode.Dial(t, n.WS, "Bob")
	joinGo(t, bob, room)
	sendGo(t, bob, room, "Hi! Ask us anything about sizes or delivery.")

	alloc := browser(t)
	host, _ := openTab(t, alloc, "visitor")
	host.navigate(site.Origin + "/")
	host.find("button", "Acme support")
	// The loader adds one node (its shadow host) and no style sheet.
	if got := evalPage[int](host, `document.querySelectorAll("body > [data-switchboard]").length`); got != 1 {
		t.Fatalf("shadow hosts: %d, want 1", got)
	}
	if got := evalPage[int](host, `document.styleSheets.length`); got != 1 {
		t.Errorf("the host page has %d style sheets, want its own 1", got)
	}
	// The host's rules for every button and iframe do not reach the widget.
	if got := evalPage[string](host, `getComputedStyle(`+widgetJS+`.querySelector(".sb-launcher")).backgroundColor`); got != "rgb(15, 118, 110)" {
		t.Errorf("launcher background %q, want the accent rgb(15, 118, 110)", got)
	}
	if got := evalPage[string](host, `getComputedStyle(`+widgetJS+`.querySelector("iframe")).borderTopWidth`); got != "0px" {
		t.Errorf("iframe border %q, want 0px", got)
	}

	host.click("button", "Acme support")
	widget := host.frame(n.HTTP.URL + "/embed/" + room + "?origin=")
	widget.typeInto("textbox", "Nickname", "visitor")
	widget.click("button", "Join")
	widget.find("textbox", "Message")
	widget.waitText("status", "Connection", "Connected")
	widget.waitText("list", "Messages", "Ask us anything")
	widget.say("Do the boots run small?")
	testnode.WaitEvent(t, bob, 10*time.Second, "the visitor's message", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvMessage && ev.Text == "Do the boots run small?" && ev.User != nil && ev.User.Name == "visitor"
	})
	sendGo(t, bob, room, "They run true to size. Which model?")
	widget.waitText("list", "Messages", "true to size")
	waitEval(host, `window.seen.includes("Bob: They run true to size. Which model?")`, true)
	waitEval(host, `window.seen.includes("visitor: Do the boots run small?")`, true)

	// A person on the full room page, in another browser tab, talks to the
	// widget's visitor.
	carol, _ := openTab(t, alloc, "Carol")
	carol.joinRoom(n.HTTP.URL, room)
	waitEval(carol, `location.pathname`, "/r/"+room)
	carol.waitText("list", "Messages", "Do the boots run small?")
	carol.say("Carol here, from the shop floor.")
	widget.waitText("list", "Messages", "Carol here, from the shop floor.")
	waitEval(host, `window.seen.includes("Carol: Carol here, from the shop floor.")`, true)
	host.screenshot("widget-open")

	// Closed, the badge counts what arrives.
	host.click("button", "Close Acme support")
	waitEval(host, expanded, "false")
	carol.say("We also have wide fits.") // from the room page
	host.find("button", "Acme support, 1 unread")
	waitEval(host, `window.seen.includes("Carol: We also have wide fits.")`, true)
	sendGo(t, bob, room, "Free returns, too.")
	host.find("button", "Acme support, 2 unread")
	waitEval(host, widgetJS+`.querySelector(".sb-badge").textContent`, "2")
	waitEval(host, widgetJS+`.querySelector(".sb-badge").hidden`, false)
	waitEval(host, `Switchboard.unread()`, 2)
	waitEval(host, `window.unreads.join(",")`, "1,2")
	host.screenshot("widget-badge")
	// Opening reads them: the badge goes.
	host.click("button", "Acme support, 2 unread")
	waitEval(host, expanded, "true")
	waitEval(host, widgetJS+`.querySelector(".sb-badge").hidden`, true)
	waitEval(host, `Switchboard.unread()`, 0)
	widget.waitText("list", "Messages", "Free returns, too.")
	// The README's picture: the panel open on the sample site, settled.
	host.do("move the mouse away", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 10, 700))
	waitEval(host, `getComputedStyle(`+widgetJS+`.querySelector(".sb-panel")).opacity`, "1")
	widget.do("wait for a paint", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`,
			chromedp.EvalAwaitPromise)(ctx, t)
		return err
	}))
	keepForDocs(t, host.screenshot("widget"), "widget.png")

	// The state is remembered for the site: a reload opens the panel again.
	host.navigate(site.Origin + "/")
	waitEval(host, expanded, "true")

	// The host page still works: its script, its layout, its links.
	host.click("button", "Subscribe")
	host.waitText("button", "Subscribed (1)", "Subscribed (1)")
	if got := evalPage[string](host, `getComputedStyle(document.querySelector("header h1")).fontSize`); got != "26px" {
		t.Errorf("host heading font size %q, want 26px", got)
	}
	if got := evalPage[float64](host, `document.getElementById("content").getBoundingClientRect().width`); got != 824 {
		t.Errorf("host content width %v, want 824 (760 + padding)", got)
	}
	host.click("link", "About us")
	waitEval(host, `location.pathname`, "/about")
	host.waitBody("About Acme Outdoor")
}

// A site that is not in --embed-origins cannot frame the widget: the embed
// page says so in its Content-Security-Policy and the browser refuses to
// show it, so the page never reports ready; the panel says why in words
// and the host's console names the setting to change.
func TestEmbedRefusedOrigin(t *testing.T) {
	const room = "support"
	site := startHostSite(t)
	n := startNode(t, server.Config{EmbedOrigins: []string{"https://allowed.example"}})
	site.SetSnippet(loaderSnippet(n.HTTP.URL, room, `data-open="true"`) +
		`<script>window.errs = []; const logErr = console.error;
console.error = (...a) => { window.errs.push(a.join(" ")); logErr(...a); };
window.addEventListener("load", () => {
  window.ready = false;
  Switchboard.on("ready", () => { window.ready = true; });
});</script>`)

	resp, err := http.Get(n.HTTP.URL + "/embed/" + room)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://allowed.example") {
		t.Fatalf("Content-Security-Policy %q does not limit frame-ancestors", csp)
	}

	alloc := browser(t)
	host, _ := openTab(t, alloc, "visitor")
	host.navigate(site.Origin + "/")
	waitEval(host, expanded, "true")
	// Instead of the browser's error page in the frame, the panel says
	// why in words, and the console names the setting to change.
	host.waitText("alert", "", "is not one the chat server at "+n.HTTP.URL)
	waitEval(host, `window.errs.some(m => m.includes("--embed-origins `+site.Origin+`"))`, true)
	if evalPage[bool](host, `window.ready`) {
		t.Errorf("the refused widget reported ready")
	}
	host.screenshot("embed-refused")
	// The same page on an allowed node shows the widget.
	allowed := startNode(t, server.Config{EmbedOrigins: []string{site.Origin}})
	site.SetSnippet(loaderSnippet(allowed.HTTP.URL, room, `data-open="true"`) +
		`<script>window.addEventListener("load", () => {
  window.ready = false;
  Switchboard.on("ready", () => { window.ready = true; });
});</script>`)
	host.navigate(site.Origin + "/")
	waitEval(host, `window.ready`, true)
	if n := host.count("alert", ""); n != 0 {
		t.Errorf("the allowed widget shows %d alerts", n)
	}
}

// A chat server that cannot be reached (here one that serves the loader,
// then drops every other request, as a server going down would) gets a
// readable notice in the panel and a line in the console, not a grey frame.
func TestEmbedServerUnreachable(t *testing.T) {
	site := startHostSite(t)
	n := startNode(t, server.Config{EmbedOrigins: []string{site.Origin}})
	loader := getPage(t, n.HTTP.URL+"/embed.js")
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/embed.js" {
			w.Header().Set("Content-Type", "text/javascript")
			io.WriteString(w, loader)
			return
		}
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close() // no answer: a network error in the browser
		}
	}))
	t.Cleanup(gone.Close)
	site.SetSnippet(loaderSnippet(gone.URL, "lobby", `data-open="true"`) +
		`<script>window.errs = []; const logErr = console.error;
console.error = (...a) => { window.errs.push(a.join(" ")); logErr(...a); };</script>`)

	host, _ := openTab(t, browser(t), "visitor")
	host.navigate(site.Origin + "/")
	waitEval(host, expanded, "true")
	host.waitText("alert", "", "The chat server at "+gone.URL+" cannot be reached.")
	waitEval(host, `window.errs.some(m => m.includes("cannot be reached. Try again later."))`, true)
	host.screenshot("embed-unreachable")
}

// The host API: setToken signs the visitor in with the site's token, and
// the name comes from the token; a call queued before the loader ran is
// applied too, and a later call switches the person.
func TestEmbedSetToken(t *testing.T) {
	const room = "members"
	site := startHostSite(t)
	n := startNode(t, withSiteTokens(server.Config{EmbedOrigins: []string{site.Origin}}))
	ada := siteToken(t, "u-ada", "Ada", "")
	site.SetSnippet(`<script>(window.Switchboard = window.Switchboard || []).push(["setToken", "` + ada + `"]);</script>` +
		loaderSnippet(n.HTTP.URL, room, `data-title="Members" data-open="true"`))
	bob := testnode.Dial(t, n.WS, "Bob")
	joinGo(t, bob, room)

	alloc := browser(t)
	host, _ := openTab(t, alloc, "visitor")
	host.navigate(site.Origin + "/")
	widget := host.frame(n.HTTP.URL + "/embed/" + room + "?origin=")
	widget.waitText("status", "Connection", "Connected")
	widget.waitText("region", "Online", "Ada")
	if widget.count("textbox", "Nickname") != 0 {
		t.Errorf("the widget asked for a nickname despite the token")
	}
	testnode.WaitEvent(t, bob, 10*time.Second, "Ada joining", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && hasName(ev.Joined, "Ada")
	})
	widget.say("Signed in by the site")
	testnode.WaitEvent(t, bob, 10*time.Second, "Ada's message", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvMessage && ev.User != nil && ev.User.Name == "Ada" && ev.User.ID != "" && ev.Text == "Signed in by the site"
	})

	// The site signs another person in.
	grace := siteToken(t, "u-grace", "Grace", "")
	evalPage[any](host, `Switchboard.setToken("`+grace+`")`)
	testnode.WaitEvent(t, bob, 10*time.Second, "Grace joining", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && hasName(ev.Joined, "Grace")
	})
	widget.waitText("region", "Online", "Grace")
}

func hasName(users []protocol.User, name string) bool {
	for _, u := range users {
		if u.Name == name {
			return true
		}
	}
	return false
}

// data-target puts the widget inline in the site's element: no bubble, the
// room always shown (nothing counts as unread), and setRoom moves it to
// another room.
func TestEmbedInline(t *testing.T) {
	site := startHostSite(t)
	n := startNode(t, server.Config{EmbedOrigins: []string{site.Origin}})
	site.SetSnippet(`<div id="chat-box" style="height: 480px; max-width: 760px; margin: 24px auto"></div>` +
		loaderSnippet(n.HTTP.URL, "help", `data-target="#chat-box"`))
	bob := testnode.Dial(t, n.WS, "Bob")
	joinGo(t, bob, "help")

	alloc := browser(t)
	host, _ := openTab(t, alloc, "visitor")
	host.navigate(site.Origin + "/")
	widget := host.frame(n.HTTP.URL + "/embed/help?origin=")
	if got := evalPage[int](host, `document.querySelectorAll("#chat-box > [data-switchboard]").length`); got != 1 {
		t.Fatalf("widgets in the target: %d, want 1", got)
	}
	if got := evalPage[int](host, `document.querySelector("#chat-box > [data-switchboard]").shadowRoot.querySelectorAll("button").length`); got != 0 {
		t.Errorf("an inline widget has %d buttons of its own, want none", got)
	}
	if got := evalPage[float64](host, `document.querySelector("#chat-box > [data-switchboard]").shadowRoot.querySelector("iframe").getBoundingClientRect().height`); got != 480 {
		t.Errorf("the widget is %v px high, want the target's 480", got)
	}
	widget.typeInto("textbox", "Nickname", "visitor")
	widget.click("button", "Join")
	widget.waitText("status", "Connection", "Connected")
	sendGo(t, bob, "help", "Welcome to the help room")
	widget.waitText("list", "Messages", "Welcome to the help room")
	if got := evalPage[int](host, `Switchboard.unread()`); got != 0 {
		t.Errorf("unread %d in an inline widget, want 0", got)
	}
	host.do("scroll to the widget", chromedp.ScrollIntoView("#chat-box"))
	host.screenshot("widget-inline")

	other := testnode.Dial(t, n.WS, "Olga")
	joinGo(t, other, "billing")
	evalPage[any](host, `Switchboard.setRoom("billing")`)
	testnode.WaitEvent(t, other, 10*time.Second, "the visitor in billing", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && hasName(ev.Joined, "visitor")
	})
	widget.waitText("heading", "billing", "billing")
	if got := evalPage[string](host, `(() => { try { Switchboard.setRoom("no such room!"); return "accepted"; } catch (e) { return "refused"; } })()`); got != "refused" {
		t.Errorf("an invalid room name was %s", got)
	}
}

// On a phone the open panel covers the screen, and its close button
// brings the bubble back.
func TestEmbedPhone(t *testing.T) {
	site := startHostSite(t)
	n := startNode(t, server.Config{EmbedOrigins: []string{site.Origin}})
	site.SetSnippet(loaderSnippet(n.HTTP.URL, "support", `data-title="Acme support" data-position="bottom-left"`))

	alloc := browser(t)
	host, _ := openTab(t, alloc, "visitor")
	host.do("phone viewport", chromedp.EmulateViewport(375, 812, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	host.navigate(site.Origin + "/")
	launcher := widgetJS + `.querySelector(".sb-launcher").getBoundingClientRect()`
	waitEval(host, launcher+`.left`, 20.0)
	host.click("button", "Acme support")
	panel := widgetJS + `.querySelector(".sb-panel").getBoundingClientRect()`
	waitEval(host, `[`+panel+`.left, `+panel+`.top, `+panel+`.width, `+panel+`.height].join(" ")`, "0 0 375 812")
	waitEval(host, `getComputedStyle(`+widgetJS+`.querySelector(".sb-launcher")).display`, "none")
	widget := host.frame(n.HTTP.URL + "/embed/support?origin=")
	widget.find("textbox", "Nickname")
	waitEval(host, `getComputedStyle(`+widgetJS+`.querySelector(".sb-panel")).opacity`, "1")
	host.screenshot("widget-phone")
	host.click("button", "Close Acme support")
	waitEval(host, `getComputedStyle(`+widgetJS+`.querySelector(".sb-launcher")).display`, "flex")
}

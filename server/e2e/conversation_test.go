package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
)

// The widget in conversation mode: two visitors of a host site (another
// origin) each talk privately with the site's agents and never see each
// other; an agent's inbox lists both, live, with what they wrote; the
// agent's answer reaches its visitor only; a visitor who reloads keeps the
// conversation; nothing of it is in the served page.
func TestSupportConversations(t *testing.T) {
	site := startHostSite(t)
	n := startNode(t, withSiteTokens(server.Config{EmbedOrigins: []string{site.Origin}, AdminToken: e2eAdminToken}))
	site.SetSnippet(loaderSnippet(n.HTTP.URL, "lobby", `data-mode="conversation" data-title="Acme support" data-open="true"`))
	alloc := browser(t)
	widgetPrefix := n.HTTP.URL + "/embed/conv-me?origin="
	visit := func(name, says string) (*tab, *tab) {
		t.Helper()
		host, _ := openTab(t, alloc, name)
		host.navigate(site.Origin + "/")
		widget := host.frame(widgetPrefix)
		widget.typeInto("textbox", "Nickname", name)
		widget.click("button", "Join")
		widget.waitText("status", "Connection", "Connected")
		widget.say(says)
		widget.waitText("list", "Messages", says)
		widget.waitNoText("list", "Messages", "Sending…")
		return host, widget
	}
	annHost, ann := visit("ann", "Where is order 1042?")
	_, bob := visit("bob", "Do you ship to Oslo?")

	agent := newTab(t, alloc, "agent")
	agent.navigate(n.HTTP.URL + "/inbox")
	agent.typeInto("textbox", "Agent token", siteToken(t, "agnes", "Agnes", "moderator"))
	agent.click("button", "Open inbox")
	annConv := "Conversation with ann, 1 unread: ann: Where is order 1042?"
	agent.find("link", annConv)
	agent.find("link", "Conversation with bob, 1 unread: bob: Do you ship to Oslo?")
	agent.screenshot("inbox")
	for who, w := range map[string]*tab{"ann": ann, "bob": bob} {
		got, _ := textOf(w, "list", "Messages")
		if strings.Contains(got, "1042") && strings.Contains(got, "Oslo") {
			t.Fatalf("%s sees both visitors' messages: %q", who, got)
		}
	}

	agent.click("link", annConv)
	agent.waitText("list", "Messages", "Where is order 1042?")
	agent.waitText("status", "Connection", "Connected")
	agent.say("It ships tomorrow, ann.")
	ann.waitText("list", "Messages", "It ships tomorrow")
	bob.say("Hello?")
	bob.waitNoText("list", "Messages", "Sending…")
	if got, _ := textOf(bob, "list", "Messages"); strings.Contains(got, "ships tomorrow") || strings.Contains(got, "1042") {
		t.Fatalf("bob sees ann's conversation: %q", got)
	}

	// Back at the inbox: ann's is answered, bob's has two unread, each
	// with the page its visitor wrote from.
	agent.navigate(n.HTTP.URL + "/inbox")
	agent.find("link", "Conversation with ann: Agnes: It ships tomorrow, ann.")
	agent.find("link", "Conversation with bob, 2 unread: bob: Hello?")
	agent.waitText("list", "Open conversations", "on "+strings.TrimPrefix(site.Origin, "http://")+"/")
	// A second agent's inbox, signed in with the admin token, in a
	// background tab with notifications allowed (the browser's
	// Notification stubbed to record them).
	agent2 := newTab(t, alloc, "agent2")
	agent2.beforeScripts(`window.notes = [];
window.Notification = class { constructor(title, opts) { window.notes.push(title + ": " + (opts && opts.body) + (opts && opts.silent ? " (silent)" : "")); } };
window.Notification.permission = "granted";
Object.defineProperty(document, "visibilityState", { get: () => "hidden" });`)
	agent2.navigate(n.HTTP.URL + "/")
	evalPage[bool](agent2, `(localStorage.setItem("switchboard/token", `+strconv.Quote(e2eAdminToken)+`), true)`)
	agent2.navigate(n.HTTP.URL + "/inbox")
	agent2.waitText("status", "Connection", "Live")
	agent2.find("link", "Conversation with bob, 2 unread: bob: Hello?")

	// Resolved, ann's moves to the resolved list, for every agent; her
	// next message opens it again, and the agent in the background is
	// notified (silently).
	agent.click("button", "Resolve the conversation with ann")
	agent.waitText("list", "Resolved conversations", "It ships tomorrow")
	agent2.waitText("list", "Resolved conversations", "It ships tomorrow")
	agent.screenshot("inbox-resolved")
	ann.say("Thanks!")
	agent.waitText("list", "Open conversations", "Thanks!")
	agent2.waitText("list", "Open conversations", "Thanks!")
	if n := agent.count("list", "Resolved conversations"); n != 0 {
		t.Errorf("the resolved list stays after ann wrote again")
	}
	waitEval(agent2, `window.notes.includes("New message from ann: Thanks! (silent)")`, true)
	checkLegible(t, agent, 1280)
	agent.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	agent.find("link", "Conversation with bob, 2 unread: bob: Hello?")
	checkLegible(t, agent, 390)
	agent.screenshot("inbox-phone")
	agent.do("desktop viewport", chromedp.EmulateViewport(1280, 800))

	annHost.do("reload", chromedp.Reload())
	again := annHost.frame(widgetPrefix)
	again.waitText("status", "Connection", "Connected")
	again.waitText("list", "Messages", "It ships tomorrow")
	again.waitText("list", "Messages", "Where is order 1042?")

	if s := getPage(t, widgetPrefix+"x"); strings.Contains(s, "1042") || strings.Contains(s, "Oslo") {
		t.Fatal("the served conversation page holds messages")
	}
}

// A visitor signed in by the host site (setToken with the site's JWT,
// HMAC-signed) keeps one conversation across devices: what they wrote on
// one shows on the other.
func TestSupportConversationAcrossDevices(t *testing.T) {
	site := startHostSite(t)
	n := startNode(t, withSiteTokens(server.Config{EmbedOrigins: []string{site.Origin}}))
	customer := siteToken(t, "customer-7", "Cleo", "")
	site.SetSnippet(`<script>(window.Switchboard = window.Switchboard || []).push(["setToken", "` + customer + `"]);</script>` +
		loaderSnippet(n.HTTP.URL, "lobby", `data-mode="conversation" data-open="true"`))
	alloc := browser(t)
	laptop, _ := openTab(t, alloc, "laptop")
	laptop.navigate(site.Origin + "/")
	w1 := laptop.frame(n.HTTP.URL + "/embed/conv-me?origin=")
	w1.waitText("status", "Connection", "Connected")
	w1.say("Asked from my laptop")
	w1.waitNoText("list", "Messages", "Sending…")

	phone, _ := openTab(t, alloc, "phone")
	phone.navigate(site.Origin + "/")
	w2 := phone.frame(n.HTTP.URL + "/embed/conv-me?origin=")
	w2.waitText("status", "Connection", "Connected")
	w2.waitText("list", "Messages", "Asked from my laptop")
	w2.say("And now from my phone")
	w1.waitText("list", "Messages", "And now from my phone")
}

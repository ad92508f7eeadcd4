package e2e

import (
	"io"
	"net/http"
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
	n := startNode(t, withSiteTokens(server.Config{EmbedOrigins: []string{site.Origin}}))
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
	// Resolved, ann's moves to the resolved list, for every agent; her
	// next message opens it again.
	agent.click("button", "Resolve the conversation with ann")
	agent.waitText("list", "Resolved conversations", "It ships tomorrow")
	agent.screenshot("inbox-resolved")
	ann.say("Thanks!")
	agent.waitText("list", "Open conversations", "Thanks!")
	if n := agent.count("list", "Resolved conversations"); n != 0 {
		t.Errorf("the resolved list stays after ann wrote again")
	}

	annHost.do("reload", chromedp.Reload())
	again := annHost.frame(widgetPrefix)
	again.waitText("status", "Connection", "Connected")
	again.waitText("list", "Messages", "It ships tomorrow")
	again.waitText("list", "Messages", "Where is order 1042?")

	res, err := http.Get(widgetPrefix + "x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if s := string(body); strings.Contains(s, "1042") || strings.Contains(s, "Oslo") {
		t.Fatal("the served conversation page holds messages")
	}
}

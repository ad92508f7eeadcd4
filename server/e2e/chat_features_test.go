package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// A nickname already used in the room brings the nickname form back with
// the server's reason and its suggestion, which one click takes.
func TestNameClashOffersSuggestion(t *testing.T) {
	n := startNode(t, server.Config{})
	ann := testnode.Dial(t, n.WS, "ann")
	joinGo(t, ann, "e2e-clash")

	alloc := browser(t)
	tb := newTab(t, alloc, "ann")
	tb.navigate(n.HTTP.URL + "/")
	tb.typeInto("textbox", "Nickname", "ann")
	tb.clear("textbox", "Room")
	tb.typeInto("textbox", "Room", "e2e-clash")
	tb.click("button", "Join")

	page := tb.waitBody("already uses the nickname “ann”.")
	m := regexp.MustCompile(`How about “([^”]+)”\?`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no suggestion on the page: %q", page)
	}
	suggestion := m[1]
	if strings.EqualFold(suggestion, "ann") {
		t.Fatalf("suggestion %q is the taken name", suggestion)
	}
	tb.click("button", "Join as "+suggestion)
	tb.find("textbox", "Message")
	tb.waitText("status", "Connection", "Connected")
	tb.waitText("region", "Online", suggestion)
	tb.waitText("region", "Online", "2 online")

	// Shift+Enter adds a line; Enter then sends both lines as one message.
	tb.typeInto("textbox", "Message", "first line")
	tb.do("press Shift+Enter", chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierShift)))
	if v := evalOn[string](tb, "textbox", "Message", "function() { return this.value; }"); v != "first line\n" {
		t.Fatalf("after Shift+Enter the composer holds %q, want %q", v, "first line\n")
	}
	tb.typeInto("textbox", "Message", "second line")
	tb.pressEnter()
	ev, seen := testnode.WaitEvent(t, ann, 10*time.Second, "the two-line message", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvMessage
	})
	if ev.Text != "first line\nsecond line" {
		t.Fatalf("message text = %q, want %q (events %+v)", ev.Text, "first line\nsecond line", seen)
	}
	tb.waitText("list", "Messages", "second line")
	if v := evalOn[string](tb, "textbox", "Message", "function() { return this.value; }"); v != "" {
		t.Fatalf("Enter left %q in the composer", v)
	}
}

// Messages sent before a person arrives show when they join; scrolling to
// the top loads the page before them without moving what is on screen, the
// "Load older messages" button loads the next, and the beginning of the
// room shows once there is nothing older.
func TestHistoryOnJoinAndOlderPages(t *testing.T) {
	n := startNode(t, server.Config{HistoryOnJoin: 30, MessagesPerSecond: 1000, MessageBurst: 200}) // the feeder sends 100 at once
	feeder := testnode.Dial(t, n.WS, "feeder")
	joinGo(t, feeder, "e2e-history")
	const total = 100 // 30 on join, then pages of 50 and 20
	for i := 1; i <= total; i++ {
		sendGo(t, feeder, "e2e-history", "history line "+pad(i))
	}

	alloc := browser(t)
	tb := newTab(t, alloc, "reader")
	tb.joinRoom(n.HTTP.URL, "e2e-history")
	tb.waitText("list", "Messages", "history line "+pad(total))
	tb.waitText("list", "Messages", "history line "+pad(total-29))
	if got, _ := textOf(tb, "list", "Messages"); strings.Contains(got, "history line "+pad(total-30)) {
		t.Fatalf("more than HistoryOnJoin messages on join")
	}

	// Scroll to the top: the previous page loads, and the line that was at
	// the top stays where it was.
	// (Measured in the same script that scrolls: the scroll event, and so
	// the request, only comes after it.)
	top := `(() => { const li = [...document.querySelectorAll('#sb-messages li')].find(li => li.textContent.includes('history line 071'));
		return Math.round(li.getBoundingClientRect().top); })()`
	before := evalPage[int](tb, `(() => { document.getElementById('sb-scroll').scrollTop = 0; return `+top+`; })()`)
	tb.waitText("list", "Messages", "history line "+pad(total-79))
	if after := evalPage[int](tb, top); after < before-80 || after > before+80 {
		t.Errorf("the line at the top moved from y=%d to y=%d when older messages loaded", before, after)
	}

	tb.activate("button", "Load older messages")
	tb.waitText("list", "Messages", "history line 001")
	tb.waitBody("Beginning of #e2e-history")
	if tb.count("button", "Load older messages") != 0 {
		t.Errorf("the Load older button is still there at the beginning")
	}
	got, _ := textOf(tb, "list", "Messages")
	if c := strings.Count(got, "history line "); c != total {
		t.Errorf("%d history lines shown, want %d", c, total)
	}
}

func pad(i int) string {
	s := "00" + strconvItoa(i)
	return s[len(s)-3:]
}

// While someone types, the others see it under the list; it goes away
// after protocol.TypingTTL without a new signal, and nobody sees
// themselves typing.
func TestTypingIndicator(t *testing.T) {
	n := startNode(t, server.Config{})
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	bob := newTab(t, alloc, "bob")
	ann.joinRoom(n.HTTP.URL, "e2e-typing")
	bob.joinRoom(n.HTTP.URL, "e2e-typing")
	ann.waitText("region", "Online", "bob")

	ann.typeInto("textbox", "Message", "hel")
	bob.waitText("status", "Typing", "ann is typing…")
	shown := time.Now()
	if got, _ := textOf(ann, "status", "Typing"); got != "" {
		t.Errorf("ann sees %q about herself", got)
	}
	bob.waitNoText("status", "Typing", "ann is typing")
	if gone := time.Since(shown); gone > protocol.TypingTTL+2*time.Second {
		t.Errorf("the indicator stayed %v, want at most TypingTTL (%v) + margin", gone, protocol.TypingTTL)
	}

	// A message from the typist ends the indicator at once.
	ann.typeInto("textbox", "Message", "lo")
	bob.waitText("status", "Typing", "ann is typing…")
	ann.pressEnter()
	bob.waitText("list", "Messages", "hello")
	bob.waitNoText("status", "Typing", "ann is typing")
}

// An edit and a delete made in one tab show in the other; the keyboard
// path (Up edits the last message, Escape cancels) works too.
func TestEditAndDelete(t *testing.T) {
	n := startNode(t, server.Config{})
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	bob := newTab(t, alloc, "bob")
	ann.joinRoom(n.HTTP.URL, "e2e-edit")
	bob.joinRoom(n.HTTP.URL, "e2e-edit")

	ann.say("original text")
	bob.waitText("list", "Messages", "original text")
	ann.waitText("list", "Messages", "original text")
	if bob.count("button", "Edit message") != 0 {
		t.Errorf("bob can edit ann's message")
	}

	ann.activate("button", "Edit message")
	ann.waitBody("Editing message")
	if v := evalOn[string](ann, "textbox", "Message", "function() { return this.value; }"); v != "original text" {
		t.Fatalf("composer holds %q while editing, want the message", v)
	}
	ann.clear("textbox", "Message")
	ann.say("edited text")
	bob.waitText("list", "Messages", "edited text (edited)")
	ann.waitText("list", "Messages", "edited text (edited)")
	bob.waitNoText("list", "Messages", "original text")

	// Up in the empty composer edits the last message; Escape cancels.
	ann.key("textbox", "Message", kb.ArrowUp)
	ann.waitBody("Editing message")
	if v := evalOn[string](ann, "textbox", "Message", "function() { return this.value; }"); v != "edited text" {
		t.Fatalf("Up put %q in the composer, want the last message", v)
	}
	ann.key("textbox", "Message", kb.Escape)
	if v := evalOn[string](ann, "textbox", "Message", "function() { return this.value; }"); v != "" {
		t.Fatalf("Escape left %q in the composer", v)
	}
	if ann.count("button", "Cancel edit") != 0 {
		t.Errorf("still editing after Escape")
	}

	ann.activate("button", "Delete message")
	ann.activate("button", "Yes, delete")
	bob.waitText("list", "Messages", "This message was deleted")
	ann.waitText("list", "Messages", "This message was deleted")
	bob.waitNoText("list", "Messages", "edited text")
	if ann.count("button", "Edit message") != 0 {
		t.Errorf("a deleted message can still be edited")
	}
}

// Closing a tab takes its person out of the others' Online list, with a
// notice in the messages.
func TestPresenceDropsWhenTabCloses(t *testing.T) {
	n := startNode(t, server.Config{})
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	bob, closeBob := openTab(t, alloc, "bob")
	ann.joinRoom(n.HTTP.URL, "e2e-presence")
	bob.joinRoom(n.HTTP.URL, "e2e-presence")
	ann.waitText("region", "Online", "2 online")
	ann.waitText("region", "Online", "bob")
	ann.waitText("list", "Messages", "bob joined")

	closeBob()
	ann.waitText("region", "Online", "1 online")
	ann.waitNoText("region", "Online", "bob")
	ann.waitText("list", "Messages", "bob left")
}

// What people type is text: markup shows as typed and creates no element;
// http(s) URLs become safe links, nothing else does.
func TestMessagesAreText(t *testing.T) {
	n := startNode(t, server.Config{})
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	bob := newTab(t, alloc, "bob")
	ann.joinRoom(n.HTTP.URL, "e2e-xss")
	bob.joinRoom(n.HTTP.URL, "e2e-xss")

	const hostile = `<img src=x onerror=alert(1)>`
	ann.say(hostile)
	ann.say("see https://example.com/x?y=1. not javascript:alert(1)")
	for _, p := range []*tab{ann, bob} {
		p.waitText("list", "Messages", hostile)
		p.waitText("list", "Messages", "https://example.com/x?y=1")
		if n := evalOn[int](p, "list", "Messages", "function() { return this.querySelectorAll('img, script, iframe').length; }"); n != 0 {
			t.Errorf("%s: %d img/script/iframe elements in the Messages list", p.name, n)
		}
		links := evalOn[[]string](p, "list", "Messages",
			`function() { return [...this.querySelectorAll('a')].map(a => a.getAttribute('href')+'|'+a.rel+'|'+a.target); }`)
		if len(links) != 1 || links[0] != "https://example.com/x?y=1|noopener noreferrer|_blank" {
			t.Errorf("%s: links = %q, want the one https URL with rel=noopener noreferrer target=_blank", p.name, links)
		}
	}
}

// Right-to-left text reads right to left, and a bidirectional control in
// a message (an unclosed U+202E, which reverses what follows it) cannot
// turn around the "(edited)" mark the page adds after the text.
func TestBidirectionalText(t *testing.T) {
	const room = "e2e-bidi"
	n := startNode(t, server.Config{})
	grace := testnode.Dial(t, n.WS, "Grace")
	joinGo(t, grace, room)
	sendGo(t, grace, room, "שלום לכולם! מה שלומכם?")
	ev := sendGo(t, grace, room, "look: \u202eevil text")
	if _, err := grace.Do(testnode.Ctx(t), protocol.Command{Type: protocol.CmdEdit, Room: room, Target: ev.Offset, Text: "look: \u202eedited evil"}); err != nil {
		t.Fatal(err)
	}
	ann := newTab(t, browser(t), "ann")
	ann.joinRoom(n.HTTP.URL, room)
	ann.waitBody("(edited)")
	// The Hebrew line ends at its paragraph's right edge.
	waitEval(ann, `(() => {
		const p = [...document.querySelectorAll(".sb-msg-text")].find(e => e.textContent.startsWith("שלום"));
		const r = document.createRange();
		r.selectNodeContents(p);
		return Math.abs(r.getBoundingClientRect().right - p.getBoundingClientRect().right) < 2;
	})()`, true)
	// The mark's "(" is drawn left of its ")": in reading order.
	waitEval(ann, `(() => {
		const t = document.querySelector(".sb-edited").firstChild;
		const at = i => { const r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + 1); return r.getBoundingClientRect().left; };
		const open = t.data.indexOf("("), close = t.data.indexOf(")");
		return open >= 0 && close > open && at(open) < at(close);
	})()`, true)
}

// The home page lists active rooms with their online counts, live, and one
// click on a room joins it.
func TestActiveRoomsOnHome(t *testing.T) {
	n := startNode(t, server.Config{})
	grace := testnode.Dial(t, n.WS, "grace")
	joinGo(t, grace, "e2e-busy")

	alloc := browser(t)
	tb := newTab(t, alloc, "ann")
	tb.navigate(n.HTTP.URL + "/")
	tb.waitText("list", "Active rooms", "e2e-busy")
	tb.waitText("list", "Active rooms", "1 online")

	// Live: another person arrives while the page is open.
	bob := testnode.Dial(t, n.WS, "bob")
	joinGo(t, bob, "e2e-busy")
	tb.waitText("list", "Active rooms", "2 online")

	tb.typeInto("textbox", "Nickname", "ann")
	tb.click("button", "#e2e-busy, 2 online")
	tb.find("textbox", "Message")
	tb.waitText("region", "Online", "3 online")
	tb.waitText("region", "Online", "grace")
}

// While the tab is hidden, new messages count in its title (mentions of
// the reader apart), and a "New messages" divider marks the first of them.
// Headless Chromium never hides a tab, so the test tells the page it is
// hidden the way the browser would: visibilityState and its event.
func TestUnreadInTitleWhileHidden(t *testing.T) {
	const room = "e2e-unread"
	n := startNode(t, server.Config{})
	grace := testnode.Dial(t, n.WS, "grace")
	joinGo(t, grace, room)
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	ann.joinRoom(n.HTTP.URL, room)
	sendGo(t, grace, room, "seen while visible")
	ann.waitText("list", "Messages", "seen while visible")

	setVisibility := func(state string) {
		evalPage[bool](ann, `(() => { Object.defineProperty(document, 'visibilityState', {value: '`+state+`', configurable: true});
			document.dispatchEvent(new Event('visibilitychange')); return true; })()`)
	}
	title := func(want string) {
		t.Helper()
		var got string
		ok := ann.poll("the title "+want, func(ctx context.Context) (bool, error) {
			var err error
			got, err = chromedp.Run(ctx, chromedp.Evaluate[string]("document.title"))
			return got == want, err
		})
		if !ok {
			t.Fatalf("title is %q, want %q", got, want)
		}
	}
	title("#" + room + " – Switchboard")
	setVisibility("hidden")
	sendGo(t, grace, room, "first while away")
	title("(1) #" + room + " – Switchboard")
	sendGo(t, grace, room, "@ann are you there?")
	title("(2, 1 @) #" + room + " – Switchboard")

	setVisibility("visible")
	title("#" + room + " – Switchboard")
	got, _ := textOf(ann, "list", "Messages")
	seen, divider, away := strings.Index(got, "seen while visible"), strings.Index(got, "New messages"), strings.Index(got, "first while away")
	if !(seen >= 0 && seen < divider && divider < away) {
		t.Errorf("the New messages divider is not before the first message that came while hidden: %q", got)
	}
	if n := evalOn[int](ann, "list", "Messages", "function() { return this.querySelectorAll('.sb-mention-me').length; }"); n != 1 {
		t.Errorf("%d emphasised mentions of ann, want 1", n)
	}
}

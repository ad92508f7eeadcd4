package ui

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
	"github.com/switchboard-rt/switchboard/wasmclient/shell"
)

// tag returns the opening tags in html that match tagName and hold every
// attribute in attrs (name="value"), whatever their order.
func tags(html, tagName string, attrs ...string) []string {
	var out []string
	for _, t := range regexp.MustCompile(`<`+tagName+`\b[^>]*>`).FindAllString(html, -1) {
		ok := true
		for _, a := range attrs {
			if !strings.Contains(t, a) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, t)
		}
	}
	return out
}

func mustHave(t *testing.T, html, tagName string, attrs ...string) {
	t.Helper()
	if len(tags(html, tagName, attrs...)) == 0 {
		t.Errorf("no <%s> with %v in:\n%s", tagName, attrs, html)
	}
}

func TestJoinFormContract(t *testing.T) {
	t.Parallel()
	e := app.NewTestEngine()
	f := &joinForm{WithRoom: true, Room: defaultRoom, ready: true}
	if err := e.Load(f); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()

	// The nickname field: a real label, described by its hint.
	if err := app.Match(app.Label().For(idNickname).Class("sb-label"), f, 0, 0, 0); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Text("Nickname"), f, 0, 0, 0, 0); err != nil {
		t.Error(err)
	}
	html := app.HTMLString(f)
	mustHave(t, html, "input", `id="`+idNickname+`"`, `aria-describedby="`+idNicknameError+`"`, `aria-invalid="false"`)
	mustHave(t, html, "label", `for="`+idRoom+`"`)
	mustHave(t, html, "input", `id="`+idRoom+`"`, `value="lobby"`, `aria-describedby="`+idRoomError+`"`)
	mustHave(t, html, "button", `type="submit"`)
	if !strings.Contains(html, ">Join</button>") || !strings.Contains(html, ">Room</label>") {
		t.Errorf("the button must be named Join and the field Room:\n%s", html)
	}

	// Errors replace the hints and mark the field invalid.
	html = app.HTMLString(&joinForm{WithRoom: true, ready: true, nameErr: "Nickname is empty."})
	// (go-app's server encoder writes a "true" attribute without its value.)
	mustHave(t, html, "input", `id="`+idNickname+`"`, `aria-invalid`)
	if len(tags(html, "input", `id="`+idNickname+`"`, `aria-invalid="false"`)) != 0 {
		t.Errorf("nickname with an error is not aria-invalid")
	}
	mustHave(t, html, "p", `id="`+idNicknameError+`"`, `sb-hint-error`)
}

func TestJoinFormNotPrerendered(t *testing.T) {
	t.Parallel()
	// On the server the form has no fields: typing before the app runs
	// would be lost.
	html := app.HTMLString(&joinForm{WithRoom: true})
	if strings.Contains(html, "<input") {
		t.Errorf("prerendered form has fields:\n%s", html)
	}
}

func TestValidateJoin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, room       string
		want             joinRequest
		nameErr, roomErr bool
	}{
		{"  Ada ", "lobby", joinRequest{"Ada", "lobby"}, false, false},
		{"Ada", "#dev-ops_2", joinRequest{"Ada", "dev-ops_2"}, false, false},
		{"", "lobby", joinRequest{"", "lobby"}, true, false},
		{strings.Repeat("x", 33), "lobby", joinRequest{"", "lobby"}, true, false},
		{"Ada", "no spaces", joinRequest{"Ada", "no spaces"}, false, true},
		{"Ada", "", joinRequest{"Ada", ""}, false, true},
		{"a\u200bb", "café", joinRequest{"", "café"}, true, true},
	}
	for _, tt := range tests {
		req, nameErr, roomErr := validateJoin(tt.name, tt.room)
		if (nameErr != "") != tt.nameErr || (roomErr != "") != tt.roomErr {
			t.Errorf("validateJoin(%q, %q) errors = %q, %q", tt.name, tt.room, nameErr, roomErr)
		}
		if !tt.nameErr && !tt.roomErr && req != tt.want {
			t.Errorf("validateJoin(%q, %q) = %+v, want %+v", tt.name, tt.room, req, tt.want)
		}
	}
}

// testRoom is a room page as it looks once joined.
func testRoom() *roomPage {
	me := protocol.User{ID: "u1", Name: "Ada"}
	grace := protocol.User{ID: "u2", Name: "Grace"}
	c := &roomPage{room: "lobby", mounted: true, phase: client.Connected, connected: true}
	c.model.me = me
	hostile := msg("e1", 2, `<img src=x onerror=alert(1)> & "quotes"`)
	hostile.User = &grace
	hostile.Time = 1_700_000_000_000
	first := msg("e1", 1, "hello\nworld")
	first.User = &me
	c.model.applyJoined(protocol.Event{Epoch: "e1", Offset: 2, Members: []protocol.User{grace, me, me}, Count: 2,
		Events: []protocol.Event{first, hostile}})
	c.model.addPending("p1", "on its way", 0)
	return c
}

func TestRoomContract(t *testing.T) {
	t.Parallel()
	c := testRoom()
	e := app.NewTestEngine()
	if err := e.Load(c); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()
	html := app.HTMLString(c)

	mustHave(t, html, "div", `id="`+idStatus+`"`, `role="status"`, `aria-live="polite"`)
	if !strings.Contains(html, ">Connected</span>") {
		t.Errorf("status does not say Connected")
	}
	if strings.Contains(html, "Retry now") {
		t.Errorf("no Retry button while connected")
	}
	mustHave(t, html, "a", `href="/"`)
	mustHave(t, html, "ol", `id="`+idMessages+`"`, `aria-label="Messages"`)
	if n := len(tags(html, "li", `class="sb-msg`)); n != 3 {
		t.Errorf("%d message items, want 2 messages and 1 pending", n)
	}
	mustHave(t, html, "div", `role="region"`, `aria-label="Online"`)
	if !strings.Contains(html, ">2 online</h2>") {
		t.Errorf("Online heading does not say 2 online")
	}
	if n := len(tags(html, "li", `class="sb-member"`)); n != 2 {
		t.Errorf("%d members listed, want one per user id (2)", n)
	}
	mustHave(t, html, "label", `for="`+idComposer+`"`, `class="sr-only"`)
	if !strings.Contains(html, ">Message</label>") {
		t.Errorf("composer label is not Message")
	}
	mustHave(t, html, "textarea", `id="`+idComposer+`"`)
	if !regexp.MustCompile(`(?s)<button[^>]*type="submit"[^>]*>.{0,200}>Send</span>\s*</button>`).MatchString(html) {
		t.Errorf("no Send button:\n%s", html)
	}

	// User text is text: escaped, never markup.
	if strings.Contains(html, "<img src=x") {
		t.Fatalf("message text rendered as HTML:\n%s", html)
	}
	if !strings.Contains(html, "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quotes&#34;") {
		t.Errorf("message text not escaped as expected:\n%s", html)
	}
	// The item shows name and HH:MM local time.
	mustHave(t, html, "time", `class="sb-msg-time"`)
}

func TestRoomMessageTextIsATextNode(t *testing.T) {
	t.Parallel()
	c := testRoom()
	l := c.model.lines[1]
	li := c.renderLine(l, false, c.model.names())
	// li > div.sb-msg-body (index 1) > p.sb-msg-text (index 1) > text
	if err := app.Match(app.Text(l.text), li, 1, 1, 0); err != nil {
		t.Error(err)
	}
}

func TestRoomStatusText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		phase     client.Phase
		connected bool
		retryIn   time.Duration
		offline   bool
		want      string
	}{
		{client.Connecting, false, 0, false, "Connecting…"},
		{client.Connecting, true, 0, false, "Reconnecting…"},
		{client.Connected, true, 0, false, "Connected"},
		{client.Reconnecting, true, 6500 * time.Millisecond, false, "Reconnecting in 7 s"},
		{client.Reconnecting, true, 6500 * time.Millisecond, true, "Offline"},
		{client.Offline, true, 0, false, "Offline"},
	}
	for _, tt := range tests {
		c := &roomPage{room: "r", browserOffline: tt.offline, phase: tt.phase, connected: tt.connected,
			retryAt: time.Now().Add(tt.retryIn)}
		if _, got := c.statusText(); got != tt.want {
			t.Errorf("phase %v offline=%v: %q, want %q", tt.phase, tt.offline, got, tt.want)
		}
		html := app.HTMLString(c)
		if retry := strings.Contains(html, "Retry now"); retry != (tt.want == "Offline" || strings.HasPrefix(tt.want, "Reconnecting in")) {
			t.Errorf("status %q: Retry now button shown = %v", tt.want, retry)
		}
	}
}

func TestRoomCounter(t *testing.T) {
	t.Parallel()
	c := testRoom()
	if strings.Contains(app.HTMLString(c), "/ 4,000") {
		t.Error("counter shown for a short message")
	}
	c.draftLen = protocol.MaxTextRunes + 1
	html := app.HTMLString(c)
	mustHave(t, html, "span", `id="`+idCounter+`"`, `sb-counter-over`)
	if !strings.Contains(html, "4,001 / 4,000") {
		t.Errorf("counter text missing:\n%s", html)
	}
	if len(tags(html, "textarea", `aria-invalid="false"`)) != 0 {
		t.Errorf("an over-long message does not mark the textarea invalid")
	}
}

func TestRoomAsksForNickname(t *testing.T) {
	t.Parallel()
	c := &roomPage{room: "lobby", needName: true, nameErr: "Someone in this room already uses that nickname."}
	html := app.HTMLString(c)
	if !strings.Contains(html, "Join #lobby") {
		t.Errorf("nickname form missing:\n%s", html)
	}
	form := &joinForm{Room: "lobby", Error: c.nameErr, ready: true}
	html = app.HTMLString(form)
	if !strings.Contains(html, "already uses that nickname") || strings.Contains(html, `id="`+idRoom+`"`) {
		t.Errorf("the room's nickname form shows the server's error and no room field:\n%s", html)
	}
	if strings.Contains(html, "sb-messages") {
		t.Errorf("no messages before a nickname")
	}
}

func TestRoomFromPath(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"/r/lobby":                      "lobby",
		"/r/Dev_Ops-2":                  "Dev_Ops-2",
		"/r/":                           "",
		"/r/a/b":                        "",
		"/lobby":                        "",
		"/r/" + strings.Repeat("x", 65): "",
	} {
		if got := roomFromPath(path); got != want {
			t.Errorf("roomFromPath(%q) = %q, want %q", path, got, want)
		}
	}
}

// Every page address the server routes has a page here, and every page an
// address there.
func TestRoutesAreShellAddresses(t *testing.T) {
	t.Parallel()
	addresses := append(slices.Clone(shell.Paths), shell.Patterns...)
	for _, a := range addresses {
		if pages[a] == nil {
			t.Errorf("shell address %q has no page", a)
		}
	}
	for a := range pages {
		if !slices.Contains(addresses, a) {
			t.Errorf("page %q is not in shell.Paths or shell.Patterns", a)
		}
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(roomPattern)
	for path, want := range map[string]bool{"/r/lobby": true, "/r/a-b_C9": true, "/r/": false, "/r/a b": false, "/r/a/b": false} {
		if re.MatchString(path) != want {
			t.Errorf("%q matches room route = %v, want %v", path, !want, want)
		}
	}
}

// A refused edit or delete shows its reason on the message it was about,
// as an alert, not in the composer's notice; a new edit of the message
// clears it. A refusal about a message no longer shown goes to the notice.
func TestRoomChangeRefusalShownOnMessage(t *testing.T) {
	t.Parallel()
	c := testRoom()
	lineHTML := func(offset uint64) string {
		t.Helper()
		i := c.model.lineOf(offset)
		if i < 0 {
			t.Fatalf("no line at offset %d", offset)
		}
		return app.HTMLString(c.renderLine(c.model.lines[i], false, c.model.names()))
	}

	c.trackChange("edit-1", 1)
	c.trackChange("del-2", 2)
	c.applyError(protocol.Event{Type: protocol.EvError, Room: "lobby", Ref: "edit-1",
		Error: protocol.Errorf(protocol.CodeEditWindow, "the edit window of 15 minutes has passed")})
	c.applyError(protocol.Event{Type: protocol.EvError, Room: "lobby", Ref: "del-2",
		Error: protocol.Errorf(protocol.CodeForbidden, "only the author or a moderator may delete a message")})

	if c.model.notice != "" || c.sendErr != "" {
		t.Errorf("a refusal about a message went to the composer: notice %q, sendErr %q", c.model.notice, c.sendErr)
	}
	if len(c.changeIDs) != 0 {
		t.Errorf("answered changes still tracked: %v", c.changeIDs)
	}
	want := map[uint64]string{
		1: "The edit window of 15 minutes has passed.",
		2: "Only the author or a moderator may delete a message.",
	}
	for offset, why := range want {
		html := lineHTML(offset)
		mustHave(t, html, "p", `class="sb-msg-error"`, `role="alert"`)
		if !strings.Contains(html, ">"+why+"</p>") {
			t.Errorf("message %d does not show %q:\n%s", offset, why, html)
		}
	}
	if strings.Contains(lineHTML(1), want[2]) || strings.Contains(lineHTML(2), want[1]) {
		t.Errorf("a refusal shows on the wrong message")
	}

	// Editing the message again clears its error.
	c.startEdit(c.model.lines[c.model.lineOf(1)])
	if html := lineHTML(1); strings.Contains(html, "sb-msg-error") {
		t.Errorf("the error stays while the message is edited again:\n%s", html)
	}
	c.cancelEdit()

	// The message is not shown (e.g. gone with a reset): the notice says it.
	c.trackChange("del-99", 99)
	c.applyError(protocol.Event{Type: protocol.EvError, Room: "lobby", Ref: "del-99",
		Error: protocol.Errorf(protocol.CodeNotFound, "no message 99 in this room")})
	if c.model.notice != "No message 99 in this room." {
		t.Errorf("notice = %q, want the refusal of a change to a message not shown", c.model.notice)
	}
}

// The Markdown subset renders as elements holding text: bold, italic,
// strike-through, inline code and code blocks, quotes; links and mentions
// still work inside styled text but not inside code, and HTML stays text.
func TestRoomMessageMarkup(t *testing.T) {
	t.Parallel()
	text := "**ship it** @ann, see _https://example.com/x_ and `@ann <b>`\n> quoted ~~old~~\n```\n<script>alert(1)</script>\n```"
	html := app.HTMLString(renderText(text, []string{"ann"}, "bob", true))
	// HTMLString indents: compare without the space around tags.
	flat := strings.NewReplacer("> ", ">", " <", "<").Replace(strings.Join(strings.Fields(html), " "))
	for _, want := range []string{
		`<strong>ship it</strong>`,
		`<em><a `, // attributes come in any order
		`href="https://example.com/x"`,
		`<code class="sb-code-inline">@ann &lt;b&gt;</code>`,
		`<blockquote class="sb-quote">quoted<del>old</del>`,
		`<pre class="sb-code"><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></pre>`,
		`class="sb-mention">@ann</span>`,
		`(edited)`,
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("markup: no %s in\n%s", want, html)
		}
	}
	// Plain text keeps its one paragraph, as before.
	if got := app.HTMLString(renderText("just words", nil, "", false)); !strings.Contains(got, `<p class="sb-msg-text">`) {
		t.Errorf("plain text: %s", got)
	}
}

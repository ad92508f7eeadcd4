package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func textURL(n *testnode.Node, path string) string {
	return "ws" + strings.TrimPrefix(n.HTTP.URL, "http") + path
}

// A Node.js script (the npm ws package) and a Go client join one room
// through /text/...: each sees the other's messages, joins and leaves as
// lines, and a web-app client (the protocol on /ws) sees both.
func TestPlainTextRoomNodeGoAndWebApp(t *testing.T) {
	t.Parallel()
	modules := nodeWS(t)
	n := testnode.Start(t, server.Config{MessagesPerSecond: 100, MessageBurst: 100})
	ctx := testnode.Ctx(t)

	web := testnode.Dial(t, n.WS, "web")
	if _, err := web.Join(ctx, "plain"); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"one", "two", "three"} {
		if _, err := web.Send(ctx, "plain", m); err != nil {
			t.Fatal(err)
		}
	}

	// The Go client asks for the last 2 messages; they come first.
	gc := dialPlain(t, textURL(n, "/text/plain/gopher?history=2"), nil)
	if got := waitLine(t, gc.lines, "web: three"); len(got) != 2 || got[0] != "web: two" {
		t.Fatalf("history lines = %q, want [web: two, web: three]", got)
	}
	testnode.WaitEvent(t, web, 10*time.Second, "gopher's join", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Joined) == 1 && ev.Joined[0].Name == "gopher"
	})

	// Node gets the default history (all three here).
	node := startNodeClient(t, modules, textURL(n, "/text/plain/nodejs"))
	if got := waitLine(t, node.lines, "web: three"); len(got) != 3 || got[0] != "web: one" {
		t.Fatalf("node's history lines = %q", got)
	}
	waitLine(t, gc.lines, "* nodejs joined")

	node.say("hello from node")
	waitLine(t, gc.lines, "nodejs: hello from node")
	gc.say("hello from go\n") // a line-based tool's trailing newline is dropped
	waitLine(t, node.lines, "gopher: hello from go")
	for _, want := range []string{"nodejs: hello from node", "gopher: hello from go"} {
		testnode.WaitEvent(t, web, 10*time.Second, want, func(ev protocol.Event) bool {
			return ev.Type == protocol.EvMessage && ev.User.Name+": "+ev.Text == want
		})
	}
	if _, err := web.Send(ctx, "plain", "hi both"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, node.lines, "web: hi both")
	waitLine(t, gc.lines, "web: hi both")

	// Stored like any message: the room's history holds them.
	h, err := web.Do(ctx, protocol.Command{Type: protocol.CmdHistory, Room: "plain", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, ev := range h.Events {
		texts = append(texts, ev.User.Name+": "+ev.Text)
	}
	if want := "web: one|web: two|web: three|nodejs: hello from node|gopher: hello from go|web: hi both"; strings.Join(texts, "|") != want {
		t.Fatalf("history = %q, want %q", texts, want)
	}

	node.quit()
	waitLine(t, node.lines, "# closed 1000")
	waitLine(t, gc.lines, "* nodejs left")
	testnode.WaitEvent(t, web, 10*time.Second, "nodejs leaving", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Left) == 1 && ev.Left[0].Name == "nodejs"
	})
}

// Bad input on /text/... gets a typed answer: before the upgrade as an
// HTTP 400 JSON error, after it as an error line (the protocol's codes).
func TestPlainTextBadInput(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{MessagesPerSecond: 1, MessageBurst: 2})
	for _, tc := range []struct{ path, code string }{
		{"/text/no%20spaces/ann", "invalid_room"},
		{"/text/lobby/%20%20", "invalid_name"},
		{"/text/lobby/" + strings.Repeat("a", 33), "invalid_name"},
		{"/text/lobby/ann?history=-1", "bad_request"},
		{"/text/lobby/ann?history=many", "bad_request"},
		{"/text/lobby/ann?pack=maybe", "bad_request"},
	} {
		res, err := http.Get(n.HTTP.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error protocol.Error }
		json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || string(body.Error.Code) != tc.code {
			t.Errorf("%s: %d %+v, want 400 %s", tc.path, res.StatusCode, body.Error, tc.code)
		}
	}

	// A foreign browser origin is refused like on /ws.
	ctx := testnode.Ctx(t)
	_, res, err := websocket.Dial(ctx, textURL(n, "/text/lobby/ann"), &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: err %v, response %v; want 403", err, res)
	}

	c := dialPlain(t, textURL(n, "/text/lobby/ann?history=0"), nil)
	c.send(websocket.MessageBinary, "\x00\x01")
	waitLine(t, c.lines, "* error bad_request: *")
	c.say("   ")
	waitLine(t, c.lines, "* error invalid_text: *")
	c.say("\x07bell")
	waitLine(t, c.lines, "* error invalid_text: *")
	c.say(strings.Repeat("x", protocol.MaxTextRunes+1))
	waitLine(t, c.lines, "* error invalid_text: *")
	for range 3 { // burst 2, then the rate
		c.say("fast")
	}
	waitLine(t, c.lines, "* error rate_limited: *")

	// The nickname is taken in the room: told why, then closed with 1008.
	taken := dialPlain(t, textURL(n, "/text/lobby/ANN"), nil)
	if got := waitLine(t, taken.lines, "* error name_taken: *"); !strings.HasSuffix(got[len(got)-1], `(try "ANN2")`) {
		t.Fatalf("name_taken line %q offers no free name", got[len(got)-1])
	}
	if code := taken.waitClose(); code != websocket.StatusPolicyViolation {
		t.Fatalf("close code %d, want 1008", code)
	}

	// Invalid UTF-8 closes with 1007, as on /ws.
	c.send(websocket.MessageText, "bad \xff")
	if code := c.waitClose(); code != websocket.StatusInvalidFramePayloadData {
		t.Fatalf("close code %d, want 1007", code)
	}
}

// /echo returns every frame as it came; a frame over the limit closes
// with 1009.
func TestEcho(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{MaxFrameBytes: 1024})
	c := dialPlain(t, textURL(n, "/echo"), nil)
	c.say("ping ✓")
	waitLine(t, c.lines, "ping ✓")
	c.send(websocket.MessageBinary, "\x00\xffbin")
	waitLine(t, c.lines, "binary:\x00\xffbin")
	c.say(strings.Repeat("x", 1025))
	if code := c.waitClose(); code != websocket.StatusMessageTooBig {
		t.Fatalf("close code %d, want 1009", code)
	}
}

// On connect a plain-text client first gets the room's last 20 messages,
// oldest first (?history=N chooses how many, 0 none); a message sent after
// it joined comes next, once.
func TestPlainTextHistory(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{MessagesPerSecond: 1000, MessageBurst: 100})
	ctx := testnode.Ctx(t)
	web := testnode.Dial(t, n.WS, "web")
	if _, err := web.Join(ctx, "plain-history"); err != nil {
		t.Fatal(err)
	}
	const total = 25
	var stored []string // every message of the room, as a plain client shows it
	for i := 1; i <= total; i++ {
		m := fmt.Sprintf("m%02d", i)
		if _, err := web.Send(ctx, "plain-history", m); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, "web: "+m)
	}

	for i, tc := range []struct {
		query string
		n     int // how many of the last messages come first
	}{
		{"", 20},
		{"?history=5", 5},
		{"?history=0", 0},
		{"?history=50", 50}, // more than the room holds: all of it
	} {
		name := fmt.Sprintf("reader%d", i)
		want := stored[max(len(stored)-tc.n, 0):]
		c := dialPlain(t, textURL(n, "/text/plain-history/"+name+tc.query), nil)
		// The reader posts only once its join is done (its history
		// queued): when web sees that message, a live one follows the
		// reader's history. (Its presence is no such sign: it goes out
		// before the join reads the history.)
		c.say("in as " + name)
		testnode.WaitEvent(t, web, 10*time.Second, name+"'s join", isMessage("plain-history", "in as "+name))
		stored = append(stored, name+": in as "+name)
		live := "live for " + name
		if _, err := web.Send(ctx, "plain-history", live); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, "web: "+live)
		got := waitLine(t, c.lines, "web: "+live)
		if !slices.Equal(got[:len(got)-1], want) {
			t.Errorf("history%s: %d lines before the live one %q, want %d: %q", tc.query, len(got)-1, got[:len(got)-1], len(want), want)
		}
	}
}

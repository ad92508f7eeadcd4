package server_test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// guarded is the room every bad input is aimed at, or next to.
const guarded = "guarded"

// badInput is one row: something sent that must be refused, and how.
type badInput struct {
	name string
	cfg  server.Config
	// do sends the bad input to n and checks the answer.
	do func(t *testing.T, n *testnode.Node)
}

// Every bad input gets a clear, documented answer, and nobody else loses
// anything: after each row, the room's other members still receive, and its
// stored history holds exactly what it held plus the probe.
func TestBadInputs(t *testing.T) {
	t.Parallel()
	for _, row := range append(badInputs(), tokenRows()...) {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			n := testnode.Start(t, row.cfg)
			ctx := testnode.Ctx(t)
			watcher := testnode.DialOpts(t, n.WS, client.Options{Name: "watcher"})
			sender := testnode.DialOpts(t, n.WS, client.Options{Name: "sender"})
			for _, c := range []*client.Conn{watcher, sender} {
				if _, err := c.Join(ctx, guarded); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := sender.Send(ctx, guarded, "before"); err != nil {
				t.Fatal(err)
			}
			row.do(t, n)
			if _, err := sender.Send(ctx, guarded, "probe"); err != nil {
				t.Fatalf("the room's sender after the bad input: %v", err)
			}
			testnode.WaitEvent(t, watcher, wait, "the probe", isMessage(guarded, "probe"))
			page, err := watcher.Do(ctx, protocol.Command{Type: protocol.CmdHistory, Room: guarded, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, ev := range page.Events {
				texts = append(texts, ev.Text)
			}
			if strings.Join(texts, "|") != "before|probe" {
				t.Fatalf("stored history = %q, want [before probe]", texts)
			}
		})
	}
}

func badInputs() []badInput {
	strict := server.Config{AllowedOrigins: []string{"https://app.example.com"}}
	return []badInput{
		{"cross-site origin", server.Config{}, refusedHandshake("https://evil.example", http.StatusForbidden)},
		{"null origin", server.Config{}, refusedHandshake("null", http.StatusForbidden)},
		{"http origin for an https allowed origin", strict, refusedHandshake("http://app.example.com", http.StatusForbidden)},
		{"allowed origin on another port", strict, refusedHandshake("https://app.example.com:8443", http.StatusForbidden)},
		{"allowed host as a subdomain", strict, refusedHandshake("https://evil.app.example.com", http.StatusForbidden)},
		{"malformed origin", server.Config{}, refusedHandshake("javascript:alert(1)", http.StatusForbidden)},
		{"no subprotocol", server.Config{}, func(t *testing.T, n *testnode.Node) {
			_, resp, err := websocket.Dial(testnode.Ctx(t), n.WS, nil)
			if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("handshake without the subprotocol: %v (%v), want 400", err, resp)
			}
		}},
		{"plain HTTP request to the WebSocket endpoint", server.Config{}, refusedRequest("GET", "/ws", nil, http.StatusUpgradeRequired, "Upgrade", "websocket")},
		{"plain HTTP request to the plain-text endpoint", server.Config{}, refusedRequest("GET", "/text/"+guarded+"/ann", nil, http.StatusUpgradeRequired, "Upgrade", "websocket")},
		{"WebSocket version 12", server.Config{}, refusedRequest("GET", "/ws", handshake("12", "dGhlIHNhbXBsZSBub25jZQ=="), http.StatusBadRequest, "Sec-WebSocket-Version", "13")},
		{"no Sec-WebSocket-Key", server.Config{}, refusedRequest("GET", "/echo", handshake("13", ""), http.StatusBadRequest, "", "")},
		{"Sec-WebSocket-Key of 3 bytes", server.Config{}, refusedRequest("GET", "/counter/c", handshake("13", "YWJj"), http.StatusBadRequest, "", "")},
		{"invalid UTF-8", server.Config{}, closes([]string{hello, "{\"type\":\"send\",\"id\":\"s\",\"room\":\"guarded\",\"text\":\"\xc3\x28\"}"}, protocol.CloseInvalidData)},
		{"1 GiB length header", server.Config{}, func(t *testing.T, n *testnode.Node) {
			if code := rawHugeFrame(t, n); code != int(protocol.CloseTooBig) {
				t.Fatalf("close code %d, want 1009", code)
			}
		}},
		{"frame over 16 KiB", server.Config{}, closes([]string{hello, `{"type":"ping","id":"` + strings.Repeat("x", 17<<10) + `"}`}, protocol.CloseTooBig)},
		{"too many invalid frames", server.Config{}, closes(append([]string{hello}, repeat("{", 25)...), protocol.CloseProtocolViolation)},
		{"invalid frames between valid ones", server.Config{}, func(t *testing.T, n *testnode.Node) {
			// Only a run of 20 closes: 3 runs of 15, each ended by a ping,
			// leave the connection open.
			frames := []string{hello}
			for i := range 3 {
				frames = append(append(frames, repeat("{", 15)...), fmt.Sprintf(`{"type":"ping","id":"alive-%d"}`, i))
			}
			ws := rawConn(t, n, frames...)
			readUntil(t, ws, func(ev protocol.Event) bool { return ev.Type == protocol.EvPong && ev.Ref == "alive-2" })
		}},
		{"command before hello", server.Config{}, closes([]string{`{"type":"join","id":"j","room":"guarded"}`}, protocol.CloseProtocolViolation)},
		{"malformed JSON", server.Config{}, answers(`{"type":"send",`, protocol.CodeBadRequest)},
		{"unknown field", server.Config{}, answers(`{"type":"send","id":"s","room":"guarded","text":"x","admin":true}`, protocol.CodeBadRequest)},
		{"unknown type", server.Config{}, answers(`{"type":"shutdown","id":"s"}`, protocol.CodeUnknownType)},
		{"room name with a NATS wildcard", server.Config{}, answers(`{"type":"join","id":"j","room":"guarded.>"}`, protocol.CodeInvalidRoom)},
		{"text over 4000 characters", server.Config{}, answers(`{"type":"send","id":"s","room":"guarded","text":"`+strings.Repeat("é", 4001)+`"}`, protocol.CodeInvalidText)},
		{"control characters in text", server.Config{}, answers(`{"type":"send","id":"s","room":"guarded","text":"a\u001b[2Jb"}`, protocol.CodeInvalidText)},
		{"send to a room not joined", server.Config{}, answers(`{"type":"send","id":"s","room":"guarded","text":"sneak"}`, protocol.CodeNotJoined)},
		{"second hello", server.Config{}, answers(`{"type":"hello","id":"h2","name":"other"}`, protocol.CodeHelloRepeated)},
		{"a key given twice: type", server.Config{}, answers(`{"type":"hello","type":"send","id":"s","room":"guarded","text":"x"}`, protocol.CodeBadRequest)},
		{"a key given twice: text", server.Config{}, answers(`{"type":"send","id":"s","room":"guarded","text":"first","text":"second"}`, protocol.CodeBadRequest)},
		{"null frame", server.Config{}, answers(`null`, protocol.CodeBadRequest)},
		{"binary frame of an undocumented kind", server.Config{}, func(t *testing.T, n *testnode.Node) {
			ws := rawConn(t, n, hello)
			if err := ws.Write(testnode.Ctx(t), websocket.MessageBinary, []byte(`{"type":"ping","id":"p"}`)); err != nil {
				t.Fatal(err)
			}
			expectError(t, ws, protocol.CodeBadRequest)
		}},
		{"malformed binary cursor update", server.Config{}, func(t *testing.T, n *testnode.Node) {
			ws := rawConn(t, n, hello)
			if err := ws.Write(testnode.Ctx(t), websocket.MessageBinary, []byte{protocol.BinaryCursor, 2, 3}); err != nil {
				t.Fatal(err)
			}
			expectError(t, ws, protocol.CodeBadRequest)
		}},
		{"flood above the message rate", server.Config{MessagesPerSecond: 1, MessageBurst: 3}, func(t *testing.T, n *testnode.Node) {
			c := testnode.Dial(t, n.WS, "flooder")
			ctx := testnode.Ctx(t)
			if _, err := c.Join(ctx, "flood"); err != nil {
				t.Fatal(err)
			}
			var limited int
			for i := range 10 {
				if _, err := c.Send(ctx, "flood", fmt.Sprint("m", i)); err != nil {
					wantCode(t, err, protocol.CodeRateLimited)
					limited++
				}
			}
			if limited < 6 {
				t.Fatalf("%d of 10 sends limited at 1/s with a burst of 3, want at least 6", limited)
			}
		}},
		{"joins above the join rate", server.Config{JoinsPerMinute: 2}, func(t *testing.T, n *testnode.Node) {
			c := testnode.Dial(t, n.WS, "hopper")
			ctx := testnode.Ctx(t)
			var err error
			for i := range 3 {
				_, err = c.Join(ctx, fmt.Sprint("hop", i))
			}
			wantCode(t, err, protocol.CodeRateLimited)
		}},
		{"more rooms than allowed", server.Config{MaxRoomsPerConn: 2}, func(t *testing.T, n *testnode.Node) {
			c := testnode.Dial(t, n.WS, "collector")
			ctx := testnode.Ctx(t)
			var err error
			for i := range 3 {
				_, err = c.Join(ctx, fmt.Sprint("room", i))
			}
			wantCode(t, err, protocol.CodeTooManyRooms)
		}},
		{"edit someone else's message", server.Config{}, func(t *testing.T, n *testnode.Node) {
			c := testnode.Dial(t, n.WS, "forger")
			ctx := testnode.Ctx(t)
			if _, err := c.Join(ctx, guarded); err != nil {
				t.Fatal(err)
			}
			_, err := c.Do(ctx, protocol.Command{Type: protocol.CmdEdit, Room: guarded, Target: 1, Text: "forged"})
			wantCode(t, err, protocol.CodeForbidden)
			_, err = c.Do(ctx, protocol.Command{Type: protocol.CmdDelete, Room: guarded, Target: 1})
			wantCode(t, err, protocol.CodeForbidden)
			c.Leave(ctx, guarded)
		}},
		{"forged session token", server.Config{}, func(t *testing.T, n *testnode.Node) {
			c := testnode.DialOpts(t, n.WS, client.Options{Name: "sender", Session: "eyJ1IjoidXNlbmRlciJ9.AAAA"})
			_, err := c.Join(testnode.Ctx(t), guarded)
			wantCode(t, err, protocol.CodeNameTaken) // a new person, not the sender
		}},
		{"connections per address", server.Config{MaxConnsPerIP: 3}, capped(1, protocol.CloseTryAgainLater)},
		{"connections in total", server.Config{MaxConns: 3}, capped(1, protocol.CloseTryAgainLater)},
		{"connections per person", server.Config{MaxConnsPerUser: 1}, func(t *testing.T, n *testnode.Node) {
			first := testnode.Dial(t, n.WS, "twin")
			ctx := testnode.Ctx(t)
			_, err := client.Dial(ctx, n.WS, client.Options{Name: "twin", Session: first.Welcome().Session})
			wantCode(t, err, protocol.CodeRateLimited)
		}},
		{"handshakes per second", server.Config{HandshakesPerSecond: 2}, func(t *testing.T, n *testnode.Node) {
			// The burst is 4; the watcher and sender used 2 of it.
			var refused int
			for range 6 {
				_, resp, err := websocket.Dial(testnode.Ctx(t), n.WS, &websocket.DialOptions{Subprotocols: []string{protocol.Subprotocol}})
				if err != nil && resp != nil && resp.StatusCode == http.StatusTooManyRequests {
					refused++
				}
			}
			if refused == 0 {
				t.Fatal("no handshake refused with 429 at 2 per second")
			}
		}},
	}
}

const hello = `{"type":"hello","id":"h","name":"mallory"}`

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// refusedHandshake dials with origin and expects the HTTP status.
func refusedHandshake(origin string, status int) func(*testing.T, *testnode.Node) {
	return func(t *testing.T, n *testnode.Node) {
		_, resp, err := websocket.Dial(testnode.Ctx(t), n.WS, &websocket.DialOptions{
			Subprotocols: []string{protocol.Subprotocol},
			HTTPHeader:   http.Header{"Origin": {origin}},
		})
		if err == nil || resp == nil || resp.StatusCode != status {
			t.Fatalf("handshake from origin %q: %v (response %v), want HTTP %d", origin, err, resp, status)
		}
	}
}

// handshake is a WebSocket opening handshake's headers, with version and
// key (none when empty), offering the protocol's subprotocol.
func handshake(version, key string) http.Header {
	h := http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"},
		"Sec-WebSocket-Version": {version}, "Sec-WebSocket-Protocol": {protocol.Subprotocol}}
	if key != "" {
		h.Set("Sec-WebSocket-Key", key)
	}
	return h
}

// refusedRequest sends a request by hand and wants it refused with status
// and a typed JSON error (bad_request), carrying header wantHeader with
// value want when wantHeader is set.
func refusedRequest(method, path string, h http.Header, status int, wantHeader, want string) func(*testing.T, *testnode.Node) {
	return func(t *testing.T, n *testnode.Node) {
		req, err := http.NewRequestWithContext(testnode.Ctx(t), method, n.HTTP.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Error protocol.Error }
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("%s %s: body is not a JSON error: %v", method, path, err)
		}
		if resp.StatusCode != status || body.Error.Code != protocol.CodeBadRequest || body.Error.Message == "" {
			t.Fatalf("%s %s: HTTP %d %+v, want %d and a bad_request error", method, path, resp.StatusCode, body.Error, status)
		}
		if wantHeader != "" && resp.Header.Get(wantHeader) != want {
			t.Fatalf("%s %s: %s %q, want %q", method, path, wantHeader, resp.Header.Get(wantHeader), want)
		}
	}
}

// rawConn opens a protocol connection by hand and sends frames.
func rawConn(t *testing.T, n *testnode.Node, frames ...string) *websocket.Conn {
	t.Helper()
	ctx := testnode.Ctx(t)
	ws, _, err := websocket.Dial(ctx, n.WS, &websocket.DialOptions{Subprotocols: []string{protocol.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(1 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	for _, f := range frames {
		if err := ws.Write(ctx, websocket.MessageText, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	return ws
}

// closes sends frames and expects the connection to close with code,
// announced first by a closing event.
func closes(frames []string, code protocol.CloseCode) func(*testing.T, *testnode.Node) {
	return func(t *testing.T, n *testnode.Node) {
		ws := rawConn(t, n, frames...)
		announced := false
		for {
			_, data, err := ws.Read(testnode.Ctx(t))
			if err != nil {
				if got := protocol.CloseCode(websocket.CloseStatus(err)); got != code {
					t.Fatalf("closed with %d (%v), want %d", got, err, code)
				}
				break
			}
			var ev protocol.Event
			if json.Unmarshal(data, &ev) == nil && ev.Type == protocol.EvClosing && ev.Code == code {
				announced = true
			}
		}
		if !announced {
			t.Fatalf("no closing event announced %d", code)
		}
	}
}

// answers sends a hello, then frame, and expects an error with code while
// the connection stays open.
func answers(frame string, code protocol.ErrorCode) func(*testing.T, *testnode.Node) {
	return func(t *testing.T, n *testnode.Node) {
		ws := rawConn(t, n, hello, frame)
		expectError(t, ws, code)
		if err := ws.Write(testnode.Ctx(t), websocket.MessageText, []byte(`{"type":"ping","id":"alive"}`)); err != nil {
			t.Fatal(err)
		}
		readUntil(t, ws, func(ev protocol.Event) bool { return ev.Type == protocol.EvPong })
	}
}

func expectError(t *testing.T, ws *websocket.Conn, code protocol.ErrorCode) {
	t.Helper()
	ev := readUntil(t, ws, func(ev protocol.Event) bool { return ev.Type == protocol.EvError })
	if ev.Error == nil || ev.Error.Code != code {
		t.Fatalf("error = %+v, want code %s", ev.Error, code)
	}
}

func readUntil(t *testing.T, ws *websocket.Conn, match func(protocol.Event) bool) protocol.Event {
	t.Helper()
	for {
		_, data, err := ws.Read(testnode.Ctx(t))
		if err != nil {
			t.Fatalf("connection ended: %v", err)
		}
		ev, err := protocol.DecodeEvent(data)
		if err != nil {
			t.Fatalf("bad frame %q: %v", data, err)
		}
		events := []protocol.Event{ev}
		if ev.Type == protocol.EvBatch {
			events = ev.Events
		}
		for _, e := range events {
			if match(e) {
				return e
			}
		}
	}
}

// capped opens connections until one is refused, expecting code; the node
// already holds the watcher's and the sender's, and extra more are allowed.
func capped(extra int, code protocol.CloseCode) func(*testing.T, *testnode.Node) {
	return func(t *testing.T, n *testnode.Node) {
		for range extra {
			rawConn(t, n, `{"type":"ping","id":"p"}`)
		}
		testnode.WaitFor(t, wait, "the allowed connections", func() bool { return n.Connections() == 2+extra })
		ws := rawConn(t, n)
		_, _, err := ws.Read(testnode.Ctx(t))
		for err == nil {
			_, _, err = ws.Read(testnode.Ctx(t))
		}
		if got := protocol.CloseCode(websocket.CloseStatus(err)); got != code {
			t.Fatalf("over the cap: closed with %d (%v), want %d", got, err, code)
		}
	}
}

// rawHugeFrame speaks WebSocket over a plain TCP connection to send a frame
// header claiming 1 GiB, and returns the close code the server answers.
func rawHugeFrame(t *testing.T, n *testnode.Node) int {
	t.Helper()
	conn, handshake := rawTCP(t, n)
	if _, err := conn.Write(handshake); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	// FIN + text, masked, 64-bit length of 1 GiB, a mask, and a few bytes.
	header := []byte{0x81, 0x80 | 127}
	header = binary.BigEndian.AppendUint64(header, 1<<30)
	header = append(header, 1, 2, 3, 4)
	header = append(header, make([]byte, 20<<10)...) // 20 KiB of the promised 1 GiB
	if _, err := conn.Write(header); err != nil {
		t.Fatal(err)
	}
	announced := false
	for {
		opcode, payload, err := readServerFrame(br)
		if err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		if opcode == 0x1 && strings.Contains(string(payload), `"closing"`) {
			announced = true
		}
		if opcode == 0x8 && len(payload) >= 2 {
			if !announced {
				t.Error("the 1009 close was not announced by a closing event")
			}
			return int(binary.BigEndian.Uint16(payload))
		}
	}
}

// A node's --max-message-chars (lower than the protocol's 4,000) holds for
// sends, edits and the HTTP API: longer texts get invalid_text and are not
// stored, texts at the limit (counted in characters, not bytes) are.
func TestMaxMessageChars(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{MaxMessageChars: 10, APIKeys: apiKeys})
	ctx := testnode.Ctx(t)
	c := testnode.Dial(t, n.WS, "terse")
	if _, err := c.Join(ctx, "news"); err != nil {
		t.Fatal(err)
	}
	_, err := c.Send(ctx, "news", strings.Repeat("a", 11))
	wantCode(t, err, protocol.CodeInvalidText)
	ack, err := c.Send(ctx, "news", strings.Repeat("é", 10))
	if err != nil {
		t.Fatalf("a text at the limit: %v", err)
	}
	_, err = c.Do(ctx, protocol.Command{Type: protocol.CmdEdit, Room: "news", Target: ack.Offset, Text: strings.Repeat("b", 11)})
	wantCode(t, err, protocol.CodeInvalidText)
	status, perr := apiCall(t, n, "POST", "/api/v1/rooms/news/messages", newsKey, `{"sender":"Newsbot","text":"`+strings.Repeat("c", 11)+`"}`, nil)
	if status != http.StatusBadRequest || perr.Code != protocol.CodeInvalidText {
		t.Fatalf("API publish over the limit: %d %+v, want 400 invalid_text", status, perr)
	}
	if status, perr := apiCall(t, n, "POST", "/api/v1/rooms/news/messages", newsKey, `{"sender":"Newsbot","text":"0123456789"}`, nil); status != http.StatusCreated {
		t.Fatalf("API publish at the limit: %d %+v", status, perr)
	}
	testnode.WaitEvent(t, c, wait, "the API message", isMessage("news", "0123456789"))
	page, err := c.Do(ctx, protocol.Command{Type: protocol.CmdHistory, Room: "news", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, ev := range page.Events {
		texts = append(texts, ev.Text)
	}
	if want := strings.Repeat("é", 10) + "|0123456789"; strings.Join(texts, "|") != want {
		t.Fatalf("stored history = %q, want %q", texts, want)
	}
}

package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Invalid UTF-8 closes the sender's connection with 1007, announced first
// in a closing event (for browsers, whose library loses close codes); it is
// never stored or relayed, and the room goes on.
func TestInvalidUTF8ClosesWith1007(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	if _, err := ann.Join(ctx, "utf8"); err != nil {
		t.Fatal(err)
	}
	raw := testnode.DialRaw(t, n.WS)
	for _, f := range []string{`{"type":"hello","id":"h","name":"mallory"}`, `{"type":"join","id":"j","room":"utf8"}`,
		"{\"type\":\"send\",\"id\":\"s\",\"room\":\"utf8\",\"text\":\"\xff\xfe\"}"} {
		if err := raw.Write(ctx, websocket.MessageText, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	var closing *protocol.Event
	for {
		_, data, err := raw.Read(ctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != websocket.StatusInvalidFramePayloadData {
				t.Fatalf("closed with %v (%v), want 1007", code, err)
			}
			break
		}
		var ev protocol.Event
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatalf("frame %q: %v", data, err)
		}
		if ev.Type == protocol.EvClosing {
			closing = &ev
		}
	}
	if closing == nil || closing.Code != protocol.CloseInvalidData {
		t.Fatalf("closing event = %+v, want code 1007 before the close", closing)
	}
	// The room goes on, and nothing of mallory's frame was stored.
	if _, err := ann.Send(ctx, "utf8", "still here"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, ann, wait, "the next message", isMessage("utf8", "still here"))
	bob := testnode.Dial(t, n.WS, "bob")
	joined, err := bob.Join(ctx, "utf8")
	if err != nil {
		t.Fatal(err)
	}
	if len(joined.Events) != 1 || joined.Events[0].Text != "still here" {
		t.Fatalf("stored = %+v, want only ann's message", joined.Events)
	}
}

// A peer that stops answering pings (here: never reads, so never pongs) is
// closed by the heartbeat within PingInterval + PongTimeout.
func TestHeartbeatDropsSilentPeer(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{PingInterval: 100 * time.Millisecond, PongTimeout: 300 * time.Millisecond})
	ctx := testnode.Ctx(t)
	raw := testnode.DialRaw(t, n.WS)
	if err := raw.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","id":"h","name":"silent"}`)); err != nil {
		t.Fatal(err)
	}
	alive := testnode.Dial(t, n.WS, "alive") // reads, so answers pings
	testnode.WaitFor(t, wait, "two connections", func() bool { return n.Connections() == 2 })
	start := time.Now()
	testnode.WaitFor(t, 5*time.Second, "the silent peer to be dropped", func() bool { return n.Connections() == 1 })
	t.Logf("silent peer dropped after %v", time.Since(start).Round(time.Millisecond))
	if err := alive.Ping(ctx); err != nil {
		t.Fatalf("the live client was dropped too: %v", err)
	}
}

// A peer that answers pings stays connected ping after ping: the reader,
// waiting between frames, takes the pongs itself (gateway skipPong) and
// each one counts. (Each ping is checked a pong timeout later and the next
// follows: 500 ms leaves room for a busy race-enabled run, where at 200 ms
// one stalled pong in eight runs ended the connection.)
func TestHeartbeatKeepsAnsweringPeer(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{PingInterval: 20 * time.Millisecond, PongTimeout: 500 * time.Millisecond})
	ctx := testnode.Ctx(t)
	var pings atomic.Int64
	raw, _, err := websocket.Dial(ctx, n.WS, &websocket.DialOptions{
		Subprotocols:   []string{protocol.Subprotocol},
		OnPingReceived: func(context.Context, []byte) bool { pings.Add(1); return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.CloseNow() })
	if err := raw.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","id":"h","name":"steady"}`)); err != nil {
		t.Fatal(err)
	}
	frames := make(chan string, 16)
	go func() {
		defer close(frames)
		for {
			_, data, err := raw.Read(ctx) // reading answers pings
			if err != nil {
				return
			}
			frames <- string(data)
		}
	}()
	if f := <-frames; !strings.Contains(f, `"welcome"`) {
		t.Fatalf("first frame = %s, want the welcome", f)
	}
	testnode.WaitFor(t, 10*time.Second, "ten pings", func() bool { return pings.Load() >= 10 })
	if err := raw.Write(ctx, websocket.MessageText, []byte(`{"type":"rooms","id":"r"}`)); err != nil {
		t.Fatal(err)
	}
	for f := range frames {
		if strings.Contains(f, `"ref":"r"`) {
			return // still served after ten rounds
		}
	}
	t.Fatalf("the connection ended after %d pings", pings.Load())
}

// A peer that stopped reading while the server had much to send it: its
// writer is blocked on the full socket, so no ping can go out; the
// heartbeat still closes it with 4001 within PingInterval + PongTimeout of
// the flood (its mailbox is set far too large to overflow).
func TestHeartbeatDropsPeerBehindFullSocket(t *testing.T) {
	t.Parallel()
	// The first ping comes after the flood (about 7 MB: 1 to 2 s here, 5 to
	// 10 s under the race detector), so it finds the writer blocked. (Were
	// the flood slower still, the ping would go out before the socket is
	// full and the peer would be dropped the same way: no pong.)
	const ping, pong = 20 * time.Second, time.Second
	n := testnode.Start(t, server.Config{
		MailboxSize: 1_000_000, MessagesPerSecond: 10000, MessageBurst: 2000,
		PingInterval: ping, PongTimeout: pong,
	})
	ctx := testnode.Ctx(t)
	testnode.DialRaw(t, n.WS, `{"type":"hello","id":"h","name":"stuck"}`, `{"type":"join","id":"j","room":"full"}`)
	ann := testnode.Dial(t, n.WS, "ann")
	if _, err := ann.Join(ctx, "full"); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range ann.Events() { // keep ann's reader free
		}
	}()
	testnode.WaitFor(t, wait, "two connections", func() bool { return n.Connections() == 2 })
	start := time.Now()
	flood, cancel := context.WithTimeout(context.Background(), ping)
	defer cancel()
	big := strings.Repeat("é", 3990) // 8 kB
	for i := range 900 {
		if err := ann.Post(flood, protocol.Command{Type: protocol.CmdSend, Room: "full", Text: fmt.Sprint(i, big)}); err != nil {
			t.Fatal(err)
		}
	}
	// ann's sends are handled in order: this ack means all are stored.
	if _, err := ann.Send(flood, "full", "last"); err != nil {
		t.Fatal(err)
	}
	t.Logf("flood stored in %v", time.Since(start).Round(time.Millisecond))
	testnode.WaitFor(t, 3*(ping+pong), "the stuck peer to be dropped", func() bool { return n.Connections() == 1 })
	t.Logf("stuck peer dropped %v after the flood began", time.Since(start).Round(time.Millisecond))
	m := scrape(t, n.HTTP.URL+"/metrics")
	if got := metric(m, "switchboard_connections_closed_total", "code", fmt.Sprint(int(protocol.CloseHeartbeatTimeout))); got != 1 {
		t.Fatalf("%v connections closed for a missing pong, want 1", got)
	}
}

// Peers that vanish (the TCP connection dropped, no close frame) while the
// server writes to them are counted as going away (1001), never as server
// errors (1011), whichever of the reader and the writer notices first.
func TestVanishedPeersAreNotServerErrors(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{MessagesPerSecond: 10000, MessageBurst: 1000, HandshakesPerSecond: 1000, MaxConnsPerIP: 200})
	ctx := testnode.Ctx(t)
	const peers = 30
	var raws []*websocket.Conn
	for i := range peers {
		raw, _, err := websocket.Dial(ctx, n.WS, &websocket.DialOptions{Subprotocols: []string{protocol.Subprotocol}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.CloseNow() })
		for _, f := range []string{fmt.Sprintf(`{"type":"hello","id":"h","name":"p%d"}`, i), `{"type":"join","id":"j","room":"vanish"}`} {
			if err := raw.Write(ctx, websocket.MessageText, []byte(f)); err != nil {
				t.Fatal(err)
			}
		}
		raws = append(raws, raw)
	}
	sender := testnode.Dial(t, n.WS, "sender")
	if _, err := sender.Join(ctx, "vanish"); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range sender.Events() { // keep the sender's reader free
		}
	}()
	testnode.WaitFor(t, wait, "every peer connected", func() bool { return n.Connections() == peers+1 })
	stop := make(chan struct{})
	sent := make(chan error, 1)
	go func() {
		big := strings.Repeat("v", 3000)
		for i := 0; ; i++ {
			select {
			case <-stop:
				sent <- nil
				return
			default:
			}
			if _, err := sender.Send(ctx, "vanish", fmt.Sprint(i, big)); err != nil {
				sent <- err
				return
			}
		}
	}()
	for _, raw := range raws {
		raw.CloseNow() // mid-stream, without a close frame
	}
	testnode.WaitFor(t, wait, "the vanished peers to be closed", func() bool { return n.Connections() == 1 })
	close(stop)
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	m := scrape(t, n.HTTP.URL+"/metrics")
	if got := metric(m, "switchboard_connections_closed_total", "code", fmt.Sprint(int(protocol.CloseInternal))); got != 0 {
		t.Errorf("%v vanished peers counted as server errors (1011)", got)
	}
	if got := metric(m, "switchboard_connections_closed_total", "code", fmt.Sprint(int(protocol.CloseGoingAway))); got != peers {
		t.Errorf("%v closes counted as going away (1001), want %d", got, peers)
	}
}

// Every response carries the security headers: a Content-Security-Policy
// that forbids inline scripts and framing, nosniff, a referrer policy.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	resp, err := http.Get(n.HTTP.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self' 'wasm-unsafe-eval'", "frame-ancestors 'none'", "object-src 'none'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	for _, d := range strings.Split(csp, ";") {
		if strings.HasPrefix(strings.TrimSpace(d), "script-src") && strings.Contains(d, "unsafe-inline") {
			t.Errorf("inline scripts allowed: %q", d)
		}
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin", "X-Frame-Options": "DENY"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

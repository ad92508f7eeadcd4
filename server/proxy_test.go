package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Behind a trusted proxy the per-address connection cap counts the
// client that X-Forwarded-For names; from a peer that is not trusted the
// header is ignored and every connection counts for the peer itself.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	behind := testnode.Start(t, server.Config{TrustedProxies: []string{"127.0.0.1/32"}, MaxConnsPerIP: 2})
	for i, xff := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.1"} {
		if code := greet(t, behind, xff); code != 0 {
			t.Fatalf("connection %d for %s behind the proxy: closed with %d, want it admitted", i+1, xff, code)
		}
	}
	if code := greet(t, behind, "198.51.100.1"); code != protocol.CloseTryAgainLater {
		t.Fatalf("a third connection of 198.51.100.1: %d, want 1013", code)
	}

	direct := testnode.Start(t, server.Config{MaxConnsPerIP: 2})
	for i, xff := range []string{"198.51.100.1", "198.51.100.2"} {
		if code := greet(t, direct, xff); code != 0 {
			t.Fatalf("connection %d: closed with %d", i+1, code)
		}
	}
	if code := greet(t, direct, "198.51.100.3"); code != protocol.CloseTryAgainLater {
		t.Fatalf("a spoofed X-Forwarded-For from an untrusted peer got %d, want 1013 (the header ignored)", code)
	}
}

// greet opens a protocol connection to n with an X-Forwarded-For header
// and says hello: 0 if welcomed (the connection stays open for the test),
// else the code it was closed with.
func greet(t *testing.T, n *testnode.Node, xff string) protocol.CloseCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, n.WS, &websocket.DialOptions{
		Subprotocols: []string{protocol.Subprotocol},
		HTTPHeader:   http.Header{"X-Forwarded-For": {xff}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","id":"h","name":"p`+xff+`"}`)); err != nil {
		return protocol.CloseCode(websocket.CloseStatus(err))
	}
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return protocol.CloseCode(websocket.CloseStatus(err))
		}
		var ev protocol.Event
		if json.Unmarshal(data, &ev) == nil && ev.Type == protocol.EvWelcome {
			return 0
		}
	}
}

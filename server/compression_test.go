package server_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// With --compression a client that offers permessage-deflate gets it (the
// handshake answer names it) and its events, large ones compressed on the
// wire; without, the same offer is declined and events go as they are.
// A client that does not offer it is served either way.
func TestCompression(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("all work and no play makes jack a dull boy ", 80)
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := testnode.Start(t, server.Config{Compression: on})
			ctx := testnode.Ctx(t)
			ann := testnode.Dial(t, n.WS, "ann") // offers nothing
			if _, err := ann.Join(ctx, "squeeze"); err != nil {
				t.Fatal(err)
			}
			w := &wire{}
			bob := testnode.DialOpts(t, n.WS, client.Options{Name: "bob", Compression: true, HTTPClient: w.client()})
			if _, err := bob.Join(ctx, "squeeze"); err != nil {
				t.Fatal(err)
			}
			ext := w.header.Load().Get("Sec-WebSocket-Extensions")
			if got := strings.Contains(ext, "permessage-deflate"); got != on {
				t.Fatalf("Sec-WebSocket-Extensions %q: permessage-deflate negotiated = %v, want %v", ext, got, on)
			}
			before := w.read.Load()
			if _, err := ann.Send(ctx, "squeeze", text); err != nil {
				t.Fatal(err)
			}
			testnode.WaitEvent(t, bob, wait, "the long message", isMessage("squeeze", text))
			got := w.read.Load() - before
			t.Logf("%d bytes on the wire for a %d-byte message", got, len(text))
			if on && got > int64(len(text)/3) {
				t.Errorf("%d bytes on the wire for a %d-byte message with compression, want under a third", got, len(text))
			}
			if !on && got < int64(len(text)) {
				t.Errorf("%d bytes on the wire for a %d-byte message without compression, want at least the message", got, len(text))
			}
		})
	}
}

// wire gives a client an HTTP client that counts the bytes read off its
// sockets and keeps the last handshake answer's headers.
type wire struct {
	read   atomic.Int64
	header atomic.Pointer[http.Header]
}

func (w *wire) client() *http.Client {
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: c, read: &w.read}, nil
	}}
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := tr.RoundTrip(r)
		if resp != nil {
			h := resp.Header.Clone()
			w.header.Store(&h)
		}
		return resp, err
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// countingConn adds the bytes read from a connection to read.
type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// A deflate bomb, 64 MiB of one byte compressed to about 80 KiB, is
// refused with 1009 on every endpoint, having been inflated no further
// than the frame limit, and the node serves the next client. Not parallel:
// it measures the process's allocations while the bomb goes off.
func TestDeflateBomb(t *testing.T) {
	n := testnode.Start(t, server.Config{Compression: true})
	base := strings.TrimSuffix(n.WS, "/ws")
	bomb := bytes.Repeat([]byte("a"), 64<<20)
	for _, row := range []struct {
		path         string
		subprotocols []string
		greet        bool // say hello before the bomb
	}{
		{"/ws", []string{protocol.Subprotocol}, true},
		{"/text/bombed/mallory", nil, false},
	} {
		t.Run(strings.TrimPrefix(row.path, "/"), func(t *testing.T) {
			ctx := testnode.Ctx(t)
			ws, resp, err := websocket.Dial(ctx, base+row.path, &websocket.DialOptions{
				Subprotocols:    row.subprotocols,
				CompressionMode: websocket.CompressionNoContextTakeover,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ws.CloseNow() })
			ws.SetReadLimit(1 << 20)
			if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
				t.Fatalf("Sec-WebSocket-Extensions %q: permessage-deflate not negotiated", ext)
			}
			if row.greet {
				if err := ws.Write(ctx, websocket.MessageText, []byte(hello)); err != nil {
					t.Fatal(err)
				}
				readUntil(t, ws, func(ev protocol.Event) bool { return ev.Type == protocol.EvWelcome })
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			wrote := make(chan error, 1)
			go func() { wrote <- ws.Write(ctx, websocket.MessageText, bomb) }()
			for err == nil {
				_, _, err = ws.Read(ctx)
			}
			if werr := <-wrote; werr != nil {
				t.Logf("writing the bomb: %v", werr) // the close may overtake the write
			}
			runtime.ReadMemStats(&after)
			t.Logf("allocated %d KiB", (after.TotalAlloc-before.TotalAlloc)>>10)
			if code := protocol.CloseCode(websocket.CloseStatus(err)); code != protocol.CloseTooBig {
				t.Fatalf("closed with %d (%v), want 1009", code, err)
			}
			// Compressing the bomb here allocates a few MB; inflating it
			// on the node would allocate 64 MiB and more.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("%d MiB allocated while the bomb was refused, want under 16 MiB", alloc>>20)
			}
		})
	}
	testnode.WaitFor(t, wait, "the bombs' connections to close", func() bool { return n.Connections() == 0 })
	ctx := testnode.Ctx(t)
	ann := testnode.DialOpts(t, n.WS, client.Options{Name: "ann", Compression: true})
	bob := testnode.Dial(t, n.WS, "bob")
	for _, c := range []*client.Conn{ann, bob} {
		if _, err := c.Join(ctx, "after"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bob.Send(ctx, "after", "still here"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, ann, wait, "a message after the bombs", isMessage("after", "still here"))
}

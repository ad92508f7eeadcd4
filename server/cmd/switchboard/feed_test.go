package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// startServe runs `switchboard serve` with args on a free port and returns
// its ws:// endpoint; it stops when the test ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ws, stop := serveUntil(t, args...)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ws
}

// watchFeed joins room and asks for its feed, and returns a function that
// waits for the next feed event with points.
func watchFeed(t *testing.T, ws, room string) func() protocol.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, ws, client.Options{Name: "watcher"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Join(ctx, room); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Feed(ctx, room); err != nil {
		t.Fatal(err)
	}
	return func() protocol.Event {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case ev, ok := <-c.Events():
				if !ok {
					t.Fatalf("connection ended: %v", c.Err())
				}
				if ev.Type == protocol.EvPoints && ev.Room == room {
					return ev
				}
			case <-timeout:
				t.Fatal("no feed event within 10 s")
			}
		}
	}
}

// `switchboard serve` publishes its demo feed to the room demo by default:
// every series of the demo, each second.
func TestServeDemoFeed(t *testing.T) {
	ws := startServe(t)
	next := watchFeed(t, ws, DemoFeedRoom)
	a, b := next(), next()
	if len(a.Points) != 4 || b.Offset != a.Offset+1 || b.Time <= a.Time {
		t.Fatalf("demo feed events %+v then %+v, want 4 points each, one after the other", a, b)
	}
	units := map[string]string{}
	for _, p := range a.Points {
		units[p.Series] = p.Unit
	}
	if units["ACME"] != "USD" || units["Oslo"] != "°C" {
		t.Fatalf("demo series %v, want prices in USD and temperatures in °C", units)
	}
}

// `switchboard feed --demo` publishes to a room open to feeds (the
// default --feed-rooms demo* includes its default room demo-cli), and
// `switchboard feed` publishes JSON lines from standard input.
func TestFeedCommand(t *testing.T) {
	ws := startServe(t, "--demo-feed=false")
	next := watchFeed(t, ws, "demo-cli")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"feed", "--demo", "--url", ws, "--interval", "50ms"}, func(string) string { return "" }, io.Discard, io.Discard)
	}()
	first, second := next(), next()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("feed --demo: %v", err)
	}
	if len(first.Points) != 4 || second.Offset != first.Offset+1 {
		t.Fatalf("feed --demo events %+v then %+v", first, second)
	}

	in := strings.NewReader(`{"series":"load","value":0.5,"unit":"%"}` + "\n" + `[{"series":"load","value":0.75,"unit":"%"}]` + "\n")
	p := &publisher{url: ws, opts: client.Options{Name: "lines"}, room: "demo-cli"}
	defer p.close()
	if err := p.fromLines(context.Background(), in); err != nil {
		t.Fatalf("publish lines: %v", err)
	}
	for _, want := range []float64{0.5, 0.75} {
		ev := next()
		for ev.Points[0].Series != "load" {
			ev = next()
		}
		if ev.Points[0].Value != want || ev.Points[0].Unit != "%" {
			t.Fatalf("line point %+v, want %v %%", ev.Points[0], want)
		}
	}

	// A room not open to feeds is refused with a hint.
	p = &publisher{url: ws, opts: client.Options{Name: "lines"}, room: "closed"}
	defer p.close()
	err := p.fromLines(context.Background(), strings.NewReader(`{"series":"x","value":1}`))
	if err == nil || !strings.Contains(err.Error(), "--feed-rooms") {
		t.Fatalf("publishing to a closed room: %v, want a forbidden error naming --feed-rooms", err)
	}
}

package loadgen

import (
	"context"
	"testing"
	"time"
	"unsafe"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
)

// TestWZTiny runs a small WZ (10 clients, 1 s a half) against two
// in-process nodes, one with compression: every message reaches every
// member both times, and the compressed half reads clearly fewer bytes
// off the wire per delivery. The nodes hold a room's frames for 50 ms so
// that a frame batches several messages and passes the 512-byte threshold
// under which the server does not compress.
func TestWZTiny(t *testing.T) {
	var started []bool
	start := func(ctx context.Context, on bool) (Target, func(), error) {
		started = append(started, on)
		n := testnode.Start(t, server.Config{
			Compression: on, RoomFlushInterval: 50 * time.Millisecond,
			HandshakesPerSecond: 1000, MessagesPerSecond: 1000, MessageBurst: 1000,
		})
		return Target{Kind: Switchboard, URL: n.WS}, func() {}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := RunWZ(ctx, start, Config{Duration: time.Second, W2Clients: 10, WZRate: 100})
	if r.Err != nil {
		t.Fatalf("WZ: %v; notes %q", r.Err, r.Notes)
	}
	if len(started) != 2 || started[0] || !started[1] {
		t.Errorf("servers started with compression %v, want [false true]", started)
	}
	get := func(name string) float64 {
		t.Helper()
		m, ok := r.Get(name)
		if !ok {
			t.Fatalf("no metric %q in %+v", name, r.Metrics)
		}
		return m.Value
	}
	for _, half := range []string{"off", "on"} {
		if v := get("delivery (" + half + ")"); v != 100 {
			t.Errorf("delivery (%s) = %v; notes %q", half, v, r.Notes)
		}
		if v := get("messages per frame (" + half + ")"); v < 2 {
			t.Errorf("messages per frame (%s) = %v, want batches", half, v)
		}
		if v := get("bytes on the wire per delivery (" + half + ")"); v < 20 {
			t.Errorf("bytes on the wire per delivery (%s) = %v", half, v)
		}
	}
	if _, ok := r.Get("server CPU (off)"); ok {
		t.Error("server CPU reported without a server PID")
	}
	off, on := get("bytes on the wire per delivery (off)"), get("bytes on the wire per delivery (on)")
	t.Logf("bytes on the wire per delivery: %.1f off, %.1f on", off, on)
	if ratio := get("bytes on the wire per delivery, on/off"); ratio > 0.7 || ratio <= 0 {
		t.Errorf("bytes on the wire per delivery, on/off = %.2f (%.1f / %.1f), want clearly under 1", ratio, on, off)
	}
}

// A counter fills one cache line, so that members' counters in a slice
// never share one.
func TestWireCountSize(t *testing.T) {
	if got := unsafe.Sizeof(wireCount{}); got != 64 {
		t.Errorf("wireCount is %d bytes, want 64", got)
	}
}

// WZ's units: bytes and ratios.
func TestFormatWZUnits(t *testing.T) {
	for _, c := range []struct {
		m    Metric
		want string
	}{
		{Metric{"bytes on the wire per delivery (on)", 70.66, "B"}, "70.7 B"},
		{Metric{"bytes on the wire per delivery, on/off", 0.2739, "×"}, "0.27×"},
	} {
		if got := format(c.m); got != c.want {
			t.Errorf("format(%v) = %q, want %q", c.m, got, c.want)
		}
	}
}

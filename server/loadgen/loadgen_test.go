package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// TestW1Tiny runs a small W1 (16 clients, 2 rooms, 2 s) against an
// in-process node with its default limits (handshakes and messages per
// second) and checks that every message reached every member and that
// the figures are computed.
func TestW1Tiny(t *testing.T) {
	n := testnode.Start(t, server.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := Run(ctx, Target{Kind: Switchboard, URL: n.WS}, "W1", Config{
		Duration: 2 * time.Second, W1Clients: 16, W1Rooms: 2, W1Rate: 4, W1TextShare: 0.25,
	})
	if r.Err != nil {
		t.Fatalf("W1: %v", r.Err)
	}
	want := func(name string, ok func(float64) bool) {
		t.Helper()
		m, found := r.Get(name)
		if !found {
			t.Fatalf("no metric %q in %+v", name, r.Metrics)
		}
		if !ok(m.Value) {
			t.Errorf("%s = %v", name, m.Value)
		}
	}
	want("messages sent", func(v float64) bool { return v >= 14 }) // 2 rooms × 4/s × 2 s, less a tick
	want("send errors", func(v float64) bool { return v == 0 })
	want("delivery", func(v float64) bool { return v == 100 })
	want("deliveries/s", func(v float64) bool { return v > 0 })
	want("latency p50", func(v float64) bool { return v > 0 })
	want("latency max", func(v float64) bool { return v > 0 })
	want("loadgen CPU", func(v float64) bool { return v > 0 })
	want("/text clients", func(v float64) bool { return v == 4 })
	want("/text delivery", func(v float64) bool { return v == 100 })
	if len(r.Notes) > 0 {
		t.Errorf("notes: %v", r.Notes)
	}
}

// TestW2Tiny runs a small W2 (10 clients, two slow steps) and its /text
// twin W2T against an in-process node: every step delivers everything, and
// the figures at the best step are there.
func TestW2Tiny(t *testing.T) {
	n := testnode.Start(t, server.Config{})
	for _, w := range []string{"W2", "W2T"} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		r := Run(ctx, Target{Kind: Switchboard, URL: n.WS}, w, Config{Duration: time.Second, W2Clients: 10, W2Rates: []float64{2, 4}})
		if r.Err != nil {
			t.Fatalf("%s: %v", w, r.Err)
		}
		get := func(name string) float64 {
			t.Helper()
			m, ok := r.Get(name)
			if !ok {
				t.Fatalf("%s: no metric %q in %+v", w, name, r.Metrics)
			}
			return m.Value
		}
		// 4/s for 1 s to 10 members (W2T: 10 on /text and the sender).
		if v := get("max sustainable deliveries/s"); v < 30 {
			t.Errorf("%s: max sustainable deliveries/s = %v; notes %q", w, v, r.Notes)
		}
		if v := get("messages per frame at max"); v < 1 {
			t.Errorf("%s: messages per frame at max = %v", w, v)
		}
		if w == "W2T" && get("/text clients") != 10 {
			t.Errorf("W2T: /text clients = %v", get("/text clients"))
		}
		if !slices.Contains(r.Notes, "first failing step: none (raise W2Rates)") {
			t.Errorf("%s: a step failed: %q", w, r.Notes)
		}
	}
}

// TestOnFrame checks the shared client's OnFrame hook as the load
// generator uses it, against a real node: the frames it consumes hold the
// messages and never reach Events, the frames it declines (the joined
// answer Join waits for, presence) are decoded as usual, and Dial's
// welcome does not go through it.
func TestOnFrame(t *testing.T) {
	n := testnode.Start(t, server.Config{})
	room := "onframe-" + runID()
	var mu sync.Mutex
	var seen, consumed [][]byte
	r := testnode.DialOpts(t, n.WS, client.Options{Name: "reader", OnFrame: func(data []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		data = bytes.Clone(data) // valid only during the call
		seen = append(seen, data)
		if onlyMessages(data) && bytes.Contains(data, []byte(`"type":"message"`)) {
			consumed = append(consumed, data)
			return true
		}
		return false
	}})
	if _, err := r.Join(testnode.Ctx(t), room); err != nil {
		t.Fatalf("join through the hook: %v", err)
	}
	s := testnode.Dial(t, n.WS, "sender")
	if _, err := s.Join(testnode.Ctx(t), room); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := s.Send(testnode.Ctx(t), room, fmt.Sprintf("hello %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, f := range consumed {
			n += bytes.Count(f, []byte(`"text":"hello `))
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for count() < 5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := count(); got != 5 {
		t.Fatalf("the hook consumed %d messages, want 5", got)
	}
	// A third person's arrival is presence: decoded and on Events, after
	// no message.
	testnode.Dial(t, n.WS, "third").Join(testnode.Ctx(t), room)
	testnode.NoEvent(t, r, "a message the hook consumed",
		func(ev protocol.Event) bool { return ev.Type == protocol.EvMessage },
		func(ev protocol.Event) bool { return ev.Type == protocol.EvPresence })
	mu.Lock()
	defer mu.Unlock()
	for _, f := range seen {
		if bytes.Contains(f, []byte(`"type":"welcome"`)) {
			t.Errorf("the hook saw the welcome: %s", f)
		}
	}
}

// TestW5Tiny runs a small reconnect storm on three in-process nodes over a
// three-server NATS cluster: every session of the killed node resumes
// (recovered) and every session ends with its room's offsets 1..N once.
func TestW5Tiny(t *testing.T) {
	natsServers := testnode.NATSCluster(t, 3)
	var c Cluster
	var nodes []*testnode.Node
	for i, ns := range natsServers {
		n := testnode.Start(t, server.Config{NATSURL: ns.ClientURL(), Replicas: 3, Node: fmt.Sprintf("w5t%d", i)})
		nodes = append(nodes, n)
		c.URLs = append(c.URLs, n.WS)
	}
	c.Kill = func(i int) error { nodes[i].Kill(); return nil }
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	r := RunW5(ctx, c, Config{Duration: 3 * time.Second, W5Clients: 12, W5Rooms: 2, W5Rate: 4, W5ResumeTimeout: 30 * time.Second})
	if r.Err != nil {
		t.Fatalf("W5: %v", r.Err)
	}
	get := func(name string) float64 {
		t.Helper()
		m, ok := r.Get(name)
		if !ok {
			t.Fatalf("no metric %q in %+v", name, r.Metrics)
		}
		return m.Value
	}
	on := get("sessions on the killed node")
	if on == 0 {
		t.Errorf("no session was on the killed node")
	}
	if got := get("resumed (recovered=true)"); got != on {
		t.Errorf("resumed %v of %v", got, on)
	}
	for _, name := range []string{"resume failures (recovered=false)", "not resumed in time",
		"messages lost (all sessions)", "messages duplicated (all sessions)", "sessions not holding 1..N exactly once"} {
		if v := get(name); v != 0 {
			t.Errorf("%s = %v", name, v)
		}
	}
	if get("messages stored") < 10 {
		t.Errorf("messages stored = %v", get("messages stored"))
	}
	if _, ok := r.Get("time until all resumed"); !ok {
		t.Errorf("no resume time; notes %v", r.Notes)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	s := h.summary()
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{
		{"p50", s.P50, 500 * time.Millisecond},
		{"p90", s.P90, 900 * time.Millisecond},
		{"p99", s.P99, 990 * time.Millisecond},
		{"max", s.Max, 1000 * time.Millisecond},
	} {
		if d := c.got - c.want; d < -c.want/50 || d > c.want/50 {
			t.Errorf("%s = %v, want %v ±2%%", c.name, c.got, c.want)
		}
	}
	if s.Count != 1000 {
		t.Errorf("count = %d", s.Count)
	}
}

func TestStamp(t *testing.T) {
	now := time.Unix(1700000000, 123456789)
	phase, at, ok := parseStamp(stamp(7, now))
	if !ok || phase != 7 || !at.Equal(now) {
		t.Fatalf("parseStamp(stamp(7, %v)) = %d, %v, %v", now, phase, at, ok)
	}
	for _, bad := range []string{"", "hello", "p1", "px 12", "p1 abc"} {
		if _, _, ok := parseStamp(bad); ok {
			t.Errorf("parseStamp(%q) accepted", bad)
		}
	}
}

// TestW3Tiny holds 20 then 45 idle connections, 15 per source address,
// against an in-process node: every connection opens, from 127.0.0.2 to
// 127.0.0.4.
func TestW3Tiny(t *testing.T) {
	n := testnode.Start(t, server.Config{HandshakesPerSecond: 1000, MaxConnsPerIP: 200})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := Run(ctx, Target{Kind: Switchboard, URL: n.WS}, "W3", Config{W3Steps: []int{20, 45}, W3PerSource: 15})
	if r.Err != nil {
		t.Fatalf("W3: %v", r.Err)
	}
	for name, want := range map[string]float64{
		"20 conns: connections": 20, "20 conns: failures": 0,
		"45 conns: connections": 45, "45 conns: failures": 0,
	} {
		if m, ok := r.Get(name); !ok || m.Value != want {
			t.Errorf("%s = %v (found %v), want %v", name, m.Value, ok, want)
		}
	}
	if _, ok := r.Get("45 conns: time to open 25 more"); !ok {
		t.Errorf("no time for the second step in %+v", r.Metrics)
	}
	if !slices.Contains(r.Notes, "source addresses 127.0.0.2–127.0.0.4, 15 connections each") {
		t.Errorf("notes: %q", r.Notes)
	}
}

// TestSourceAddrs checks that connection i dials from 127.0.0.(2+i/perAddr)
// and that a target off loopback gets the default client.
func TestSourceAddrs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		fmt.Fprint(w, host)
	}))
	defer srv.Close()
	s := newSourceAddrs("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", 2)
	if s == nil {
		t.Fatalf("no source addresses for %s", srv.URL)
	}
	for i, want := range map[int]string{0: "127.0.0.2", 1: "127.0.0.2", 2: "127.0.0.3", 5: "127.0.0.4", 505: "127.0.0.254"} {
		c, err := s.client(i)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != want {
			t.Errorf("connection %d came from %s, want %s", i, got, want)
		}
	}
	if _, err := s.client(2 * 253); err == nil {
		t.Errorf("connection %d: no error past 127.0.0.254", 2*253)
	}
	if s := newSourceAddrs("ws://example.com/ws", 2); s != nil {
		t.Errorf("source addresses for a remote target")
	}
	if got := thousands(1234567); got != "1,234,567" {
		t.Errorf("thousands(1234567) = %q", got)
	}
}

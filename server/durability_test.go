package server_test

import (
	"context"
	"fmt"
	"net/http"
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

// roomLog is what one client has of a room: offsets in the order received,
// rebuilt from scratch when a join says it could not recover.
type roomLog struct {
	mu      sync.Mutex
	offsets []uint64
	joins   int
	resumed int
	joined  []protocol.Event // every joined answer, without its events
}

func (l *roomLog) apply(ev protocol.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev.Type {
	case protocol.EvJoined:
		l.joins++
		j := ev
		j.Events = nil
		l.joined = append(l.joined, j)
		if ev.Recovered {
			l.resumed++
		} else {
			l.offsets = l.offsets[:0]
		}
		for _, e := range ev.Events {
			l.offsets = append(l.offsets, e.Offset)
		}
	case protocol.EvMessage:
		l.offsets = append(l.offsets, ev.Offset)
	}
}

// joinedAnswers returns the joined answers received so far.
func (l *roomLog) joinedAnswers() []protocol.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.joined)
}

func (l *roomLog) snapshot() ([]uint64, int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.offsets), l.joins, l.resumed
}

// followRoom runs a Session with opts that joins room, and logs what it
// receives of the room; both stop when the test ends. It returns once the
// first join is answered.
func followRoom(t *testing.T, opts client.SessionOptions, room string) (*client.Session, *roomLog) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	s := client.NewSession(opts)
	log := &roomLog{}
	wg.Go(func() { s.Run(ctx) })
	wg.Go(func() {
		for ev := range s.Events() {
			if ev.Room == room {
				log.apply(ev)
			}
		}
	})
	s.Join(room)
	testnode.WaitFor(t, wait, "the session to join "+room, func() bool { _, joins, _ := log.snapshot(); return joins > 0 })
	return s, log
}

// The same message id sent twice is stored once and acknowledged with the
// same offset.
func TestDuplicateSendStoredOnce(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	if _, err := ann.Join(ctx, "dup"); err != nil {
		t.Fatal(err)
	}
	send := protocol.Command{Type: protocol.CmdSend, ID: "retry-1", Room: "dup", Text: "once"}
	first, err := ann.Do(ctx, send)
	if err != nil {
		t.Fatal(err)
	}
	// The retry comes on a new connection, as after a reconnect.
	again := testnode.DialOpts(t, n.WS, client.Options{Name: "ann", Session: ann.Welcome().Session})
	if _, err := again.Join(ctx, "dup"); err != nil {
		t.Fatal(err)
	}
	second, err := again.Do(ctx, send)
	if err != nil {
		t.Fatal(err)
	}
	if first.Offset != second.Offset || first.Epoch != second.Epoch {
		t.Fatalf("acks %d and %d, want the same offset", first.Offset, second.Offset)
	}
	next, err := ann.Send(ctx, "dup", "next")
	if err != nil || next.Offset != first.Offset+1 {
		t.Fatalf("next send at %d, want %d: the retry must not be stored", next.Offset, first.Offset+1)
	}
	// The same id from another person is another message.
	bob := testnode.Dial(t, n.WS, "bob")
	if _, err := bob.Join(ctx, "dup"); err != nil {
		t.Fatal(err)
	}
	theirs, err := bob.Do(ctx, send)
	if err != nil || theirs.Offset != next.Offset+1 {
		t.Fatalf("bob's send with ann's id stored at %d, %v; want %d", theirs.Offset, err, next.Offset+1)
	}
}

// While JetStream is unreachable, sends get a clear error (never a false
// ack) and /readyz says not ready; when it returns, everything resumes.
func TestStoreOutage(t *testing.T) {
	t.Parallel()
	storeDir := t.TempDir()
	ext := testnode.NATS(t, storeDir, "127.0.0.1:-1")
	addr := strings.TrimPrefix(ext.ClientURL(), "nats://")
	n := testnode.Start(t, server.Config{NATSURL: ext.ClientURL()})
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	if _, err := ann.Join(ctx, "outage"); err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Send(ctx, "outage", "before"); err != nil {
		t.Fatal(err)
	}
	if code := readyz(t, n); code != http.StatusOK {
		t.Fatalf("/readyz = %d before the outage, want 200", code)
	}
	ext.Shutdown()
	_, err := ann.Send(ctx, "outage", "during")
	wantCode(t, err, protocol.CodeUnavailable)
	if code := readyz(t, n); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz = %d during the outage, want 503", code)
	}
	testnode.NATS(t, storeDir, addr) // back, same store, same address
	testnode.WaitFor(t, 30*time.Second, "/readyz to recover", func() bool { return readyz(t, n) == http.StatusOK })
	ack, err := ann.Send(ctx, "outage", "after")
	if err != nil || ack.Offset != 2 {
		t.Fatalf("send after the outage: %+v, %v; want offset 2 (nothing stored during it)", ack, err)
	}
	testnode.WaitEvent(t, ann, wait, "the message after the outage", isMessage("outage", "after"))
}

func readyz(t *testing.T, n *testnode.Node) int {
	t.Helper()
	resp, err := http.Get(n.HTTP.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A client that never reads is disconnected for overflowing its bounded
// mailbox (close code 4000, slow consumer) in bounded time, while the other
// members keep receiving everything. The node's heartbeat is set far beyond
// the test, so only the mailbox bound can explain the drop.
func TestSlowClientIsDisconnected(t *testing.T) {
	t.Parallel()
	const heartbeat = 10 * time.Minute
	// Far below the heartbeat; typically 3 to 8 s here (about 1150
	// messages of 3.5 kB fill the socket buffers and the mailbox).
	const bound = 30 * time.Second
	n := testnode.Start(t, server.Config{
		MailboxSize: 64, MessagesPerSecond: 10000, MessageBurst: 100,
		PingInterval: heartbeat, PongTimeout: heartbeat,
	})
	ctx := testnode.Ctx(t)
	// The slow one speaks the protocol by hand, then never reads again.
	testnode.DialRaw(t, n.WS, `{"type":"hello","id":"h","name":"slow"}`, `{"type":"join","id":"j","room":"flood"}`)
	ann := testnode.Dial(t, n.WS, "ann")
	bob := testnode.Dial(t, n.WS, "bob")
	for _, c := range []*client.Conn{ann, bob} {
		if _, err := c.Join(ctx, "flood"); err != nil {
			t.Fatal(err)
		}
	}
	testnode.WaitFor(t, wait, "three connections", func() bool { return n.Connections() == 3 })
	go func() {
		for range ann.Events() { // ann only sends; keep her reader free
		}
	}()

	big := strings.Repeat("x", 3500)
	var latencies []time.Duration
	start := time.Now()
	sent := 0
	for ; n.Connections() == 3; sent++ {
		if time.Since(start) > bound {
			t.Fatalf("the slow client was still connected after %d messages and %v (heartbeat every %v)", sent, time.Since(start), heartbeat)
		}
		t0 := time.Now()
		text := fmt.Sprint(sent, big)
		if _, err := ann.Send(testnode.Ctx(t), "flood", text); err != nil {
			t.Fatal(err)
		}
		testnode.WaitEvent(t, bob, wait, "message "+fmt.Sprint(sent), isMessage("flood", text))
		latencies = append(latencies, time.Since(t0))
	}
	took := time.Since(start)
	slices.Sort(latencies)
	t.Logf("slow client dropped after %d messages (%v); others' send→receive latency p50 %v p99 %v max %v",
		sent, took.Round(time.Millisecond), latencies[len(latencies)/2],
		latencies[len(latencies)*99/100], latencies[len(latencies)-1])
	// It was the mailbox: the node closed it as a slow consumer, and not
	// for a missing pong.
	metrics := n.HTTP.URL + "/metrics"
	testnode.WaitFor(t, wait, "the slow client's close to be counted", func() bool {
		return metric(scrape(t, metrics), "switchboard_connections_closed_total", "code", fmt.Sprint(int(protocol.CloseSlowConsumer))) == 1
	})
	m := scrape(t, metrics)
	if got := metric(m, "switchboard_slow_client_disconnects_total"); got != 1 {
		t.Errorf("slow client disconnects = %v, want 1", got)
	}
	if got := metric(m, "switchboard_connections_closed_total", "code", fmt.Sprint(int(protocol.CloseHeartbeatTimeout))); got > 0 {
		t.Errorf("%v connections closed for a missing pong, want none", got)
	}
	// bob keeps receiving after the drop.
	if _, err := ann.Send(testnode.Ctx(t), "flood", "after"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, bob, wait, "the message after the drop", isMessage("flood", "after"))
}

// A session whose connection is cut again and again while a room streams,
// and while it sends itself, ends up with every stored event exactly once,
// in order, and its outbox stored: an event cut off on its way to the app
// is replayed on the next connection, never skipped (its position moves
// only once the app has it).
func TestSessionExactlyOnceWhileConnectionsDrop(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{MessagesPerSecond: 100000, MessageBurst: 1000})
	proxy := testnode.NewProxy(t, n.WS)
	// The sender sends at least minOthers messages, and goes on until the
	// connection was cut minCuts times (a fast run could stream them all
	// between two cuts), at most maxOthers.
	const room, minOthers, maxOthers, fromSession, minCuts = "flaky", 300, 20000, 100, 5
	s, log := followRoom(t, client.SessionOptions{
		URLs: []string{proxy.WS}, Name: "reader",
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	}, room)

	sender := testnode.Dial(t, n.WS, "sender")
	if _, err := sender.Join(testnode.Ctx(t), room); err != nil {
		t.Fatal(err)
	}
	for i := range fromSession {
		if _, err := s.Send(protocol.Command{Type: protocol.CmdSend, Room: room, Text: fmt.Sprint("r", i)}); err != nil {
			t.Fatal(err)
		}
	}
	sent := make(chan error, 1)
	var fromOthers int
	go func() {
		for i := 0; i < minOthers || proxy.Cuts() < minCuts; i++ {
			if i == maxOthers {
				sent <- fmt.Errorf("%d messages sent and only %d cuts", i, proxy.Cuts())
				return
			}
			if _, err := sender.Send(context.Background(), room, fmt.Sprint("m", i)); err != nil {
				sent <- err
				return
			}
			fromOthers = i + 1
		}
		sent <- nil
	}()
	// Cut the session's connection every few milliseconds while the room
	// streams and its outbox drains.
	cut := time.NewTicker(10 * time.Millisecond)
	defer cut.Stop()
	deadline := time.Now().Add(60 * time.Second)
	lastCut := 0
	for othersDone := false; !othersDone || len(s.Outbox()) > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("still streaming after 60 s: outbox %d", len(s.Outbox()))
		}
		select {
		case err := <-sent:
			if err != nil {
				t.Fatal(err)
			}
			othersDone = true
		case <-cut.C:
			// Cut only once the session made progress on this
			// connection, so that it gets somewhere between cuts.
			if got, _, _ := log.snapshot(); len(got) > lastCut {
				lastCut = len(got)
				proxy.Cut()
			}
		}
	}
	total := fromOthers + fromSession // read after the sender is done (sent)
	want := make([]uint64, total)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	testnode.WaitFor(t, 30*time.Second, "the reader to hold every message", func() bool {
		got, _, _ := log.snapshot()
		return len(s.Outbox()) == 0 && (len(got) >= total || (len(got) > 0 && got[len(got)-1] == uint64(total)))
	})
	got, joins, resumed := log.snapshot()
	if !slices.Equal(got, want) {
		t.Fatalf("the reader holds %d offsets, want 1..%d exactly once in order: %s", len(got), total, diff(got, want))
	}
	if proxy.Cuts() < minCuts || resumed < minCuts {
		t.Fatalf("%d cuts and %d resumed joins: the test did not exercise reconnects", proxy.Cuts(), resumed)
	}
	t.Logf("%d cuts, %d joins (%d recovered)", proxy.Cuts(), joins, resumed)
}

package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// cursorBytesBound is the documented bound on what one member receives of
// a room's cursors, in bytes per second (JSON, as encoded by the server):
// at most one batch per tick, each at most a batch's envelope plus one
// entry per person in the room.
func cursorBytesBound(people int, tick time.Duration) float64 {
	const envelope, perPerson = 64, 96
	return float64(time.Second/tick) * float64(envelope+perPerson*people)
}

// crowd is a room of people whose pointers move at hz, each on its own
// connection, all reading every event.
type crowd struct {
	room  string
	conns []*client.Conn
	stats []*cursorStats
	wg    sync.WaitGroup
}

// cursorStats is what one member received of the room's cursors.
type cursorStats struct {
	mu      sync.Mutex
	batches int
	bytes   int
	last    time.Time                  // when the last batch arrived
	seen    map[string]protocol.Cursor // the latest of each user; Gone ones too
}

func (s *cursorStats) add(ev protocol.Event) {
	frame, _ := json.Marshal(ev)
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches++
	s.bytes += len(frame)
	s.last = now
	for _, c := range ev.Cursors {
		s.seen[c.User] = c
	}
}

func (s *cursorStats) snapshot() (batches, bytes int, last time.Time, seen map[string]protocol.Cursor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen = make(map[string]protocol.Cursor, len(s.seen))
	for k, v := range s.seen {
		seen[k] = v
	}
	return s.batches, s.bytes, s.last, seen
}

func startCrowd(tb testing.TB, n *testnode.Node, room string, people int) *crowd {
	tb.Helper()
	cr := &crowd{room: room}
	for i := range people {
		c := testnode.Dial(tb, n.WS, fmt.Sprintf("p%02d", i))
		if _, err := c.Join(testnode.Ctx(tb), room); err != nil {
			tb.Fatalf("join: %v", err)
		}
		st := &cursorStats{seen: make(map[string]protocol.Cursor)}
		cr.conns, cr.stats = append(cr.conns, c), append(cr.stats, st)
		cr.wg.Go(func() {
			for ev := range c.Events() {
				if ev.Type == protocol.EvCursors && ev.Room == room {
					st.add(ev)
				}
			}
		})
	}
	tb.Cleanup(func() {
		for _, c := range cr.conns {
			c.Close()
		}
		cr.wg.Wait()
	})
	return cr
}

// move makes every pointer move at hz for d, each tracing its own circle.
// Writes do not use the deadline's context: a write cancelled half way
// would close the connection.
func (cr *crowd) move(tb testing.TB, hz int, d time.Duration) {
	tb.Helper()
	stop := make(chan struct{})
	timer := time.AfterFunc(d, func() { close(stop) })
	defer timer.Stop()
	var wg sync.WaitGroup
	for i, c := range cr.conns {
		wg.Go(func() {
			tick := time.NewTicker(time.Second / time.Duration(hz))
			defer tick.Stop()
			for step := 0; ; step++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				a := float64(step)/float64(hz)*2*math.Pi + float64(i)
				x, y := 0.5+0.4*math.Cos(a), 0.5+0.4*math.Sin(a)
				if err := c.Cursor(context.Background(), cr.room, x, y); err != nil {
					tb.Errorf("cursor: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Fifty people move their pointers at 60 Hz: each member receives at most
// one batch per tick (the server coalesces per person and flushes on its
// tick), within the documented bytes per second, and sees everyone; a
// person who leaves disappears from everyone's board.
func TestCursorsCoalescedPerTick(t *testing.T) {
	const people, hz = 50, 60
	tick := protocol.CursorTick
	n := testnode.Start(t, server.Config{HandshakesPerSecond: 1000, MaxConnsPerIP: 200})
	cr := startCrowd(t, n, "board", people)
	start := time.Now()
	cr.move(t, hz, 2*time.Second)

	var short string
	defer func() {
		if t.Failed() && short != "" {
			t.Log(short)
		}
	}()
	testnode.WaitFor(t, wait, "every member to see every pointer", func() bool {
		for i, st := range cr.stats {
			if batches, _, _, seen := st.snapshot(); len(seen) < people {
				short = fmt.Sprintf("member %d saw %d pointers in %d batches (connection: %v)", i, len(seen), batches, cr.conns[i].Err())
				return false
			}
		}
		return true
	})
	for i, st := range cr.stats {
		batches, bytes, last, _ := st.snapshot()
		window := last.Sub(start)
		// One batch per tick at most: the ticks from the first move to the
		// last batch received, plus one for the edges.
		if maxBatches := int(window/tick) + 2; batches > maxBatches {
			t.Fatalf("member %d got %d batches in %v, more than one per %v tick (%d)", i, batches, window, tick, maxBatches)
		}
		rate := float64(bytes) / window.Seconds()
		if bound := cursorBytesBound(people, tick); rate > bound {
			t.Fatalf("member %d received %.0f B/s of cursors (%d B in %d batches in %v), over the bound of %.0f B/s", i, rate, bytes, batches, window, bound)
		}
	}

	gone := cr.conns[people-1].Welcome().User.ID
	cr.conns[people-1].Close()
	testnode.WaitFor(t, wait, "the departed pointer to disappear", func() bool {
		for _, st := range cr.stats[:people-1] {
			if _, _, _, seen := st.snapshot(); !seen[gone].Gone {
				return false
			}
		}
		return true
	})
}

// BenchmarkCursors50At60Hz reports what each member of a room of fifty
// people moving their pointers at 60 Hz receives: batches per second (at
// most one per tick) and bytes per second of cursor events.
func BenchmarkCursors50At60Hz(b *testing.B) {
	const people, hz = 50, 60
	n := testnode.Start(b, server.Config{HandshakesPerSecond: 1000, MaxConnsPerIP: 200})
	cr := startCrowd(b, n, "bench-board", people)
	start := time.Now()
	for b.Loop() {
		cr.move(b, hz, time.Second)
	}
	elapsed := time.Since(start).Seconds()
	var batches, bytes float64
	for _, st := range cr.stats {
		nb, nbytes, _, _ := st.snapshot()
		batches += float64(nb) / elapsed
		bytes += float64(nbytes) / elapsed
	}
	b.ReportMetric(batches/people, "batches/s/member")
	b.ReportMetric(bytes/people, "B/s/member")
	b.ReportMetric(cursorBytesBound(people, protocol.CursorTick), "bound-B/s")
}

// Cursor traffic in binary frames: a client that asks for it sends its
// updates and receives the batches as binary frames, and mixes with JSON
// clients in the same room; the batches are smaller than the JSON ones.
func TestCursorsBinaryFrames(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	ctx := testnode.Ctx(t)
	bin := testnode.DialOpts(t, n.WS, client.Options{Name: "bin", Binary: true})
	txt := testnode.Dial(t, n.WS, "txt")
	for _, c := range []*client.Conn{bin, txt} {
		if _, err := c.Join(ctx, "binboard"); err != nil {
			t.Fatal(err)
		}
	}
	at := func(name string, x float64) func(protocol.Event) bool {
		return func(ev protocol.Event) bool {
			for _, c := range ev.Cursors {
				if ev.Type == protocol.EvCursors && c.Name == name && c.X == x {
					return true
				}
			}
			return false
		}
	}
	if err := bin.Cursor(ctx, "binboard", 0.25, 0.75); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, txt, wait, "bin's binary update, as JSON", at("bin", 0.25))
	if err := txt.Cursor(ctx, "binboard", 0.5, 0.125); err != nil {
		t.Fatal(err)
	}
	ev, _ := testnode.WaitEvent(t, bin, wait, "txt's update, in a binary batch", at("txt", 0.5))
	for _, c := range ev.Cursors {
		if c.Name == "txt" && (c.Y != 0.125 || c.User != txt.Welcome().User.ID || ev.Room != "binboard") {
			t.Fatalf("binary batch decoded as %+v", ev)
		}
	}
	if b, j := len(protocol.EncodeCursorBatch(&ev)), len(mustJSON(t, ev)); b >= j {
		t.Errorf("binary batch %d bytes, JSON %d", b, j)
	}
}

func mustJSON(t *testing.T, ev protocol.Event) []byte {
	data, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A plain JSON client that sends its pointer faster than the rate (100
// updates as fast as it can) is not frozen at an old position: the server
// keeps the newest position over the rate and relays it at the next
// allowance, so the others' final view of it is the last position sent,
// while what is relayed of it stays within the rate.
func TestCursorsLastPositionOverTheRate(t *testing.T) {
	t.Parallel()
	const perSecond = 5 // burst 1: almost every update is over the rate
	n := testnode.Start(t, server.Config{CursorsPerSecond: perSecond, CursorTick: 10 * time.Millisecond})
	ctx := testnode.Ctx(t)
	watch := testnode.Dial(t, n.WS, "watch")
	if _, err := watch.Join(ctx, "race"); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		seen  []float64 // the mover's positions as the watcher saw them
		lastX = -1.0
	)
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	wg.Go(func() {
		for ev := range watch.Events() {
			for _, c := range ev.Cursors {
				if ev.Type == protocol.EvCursors && c.Name == "mover" && !c.Gone {
					mu.Lock()
					seen, lastX = append(seen, c.X), c.X
					mu.Unlock()
				}
			}
		}
	})
	t.Cleanup(func() { watch.Close() }) // before wg.Wait: ends the events

	mover := testnode.DialRaw(t, n.WS)
	write := func(cmd protocol.Command) {
		t.Helper()
		data, err := json.Marshal(cmd)
		if err != nil {
			t.Fatal(err)
		}
		if err := mover.Write(ctx, websocket.MessageText, data); err != nil {
			t.Fatal(err)
		}
	}
	awaitFrame := func(typ protocol.EventType) {
		t.Helper()
		for {
			_, data, err := mover.Read(ctx)
			if err != nil {
				t.Fatalf("waiting for %s: %v", typ, err)
			}
			var ev protocol.Event
			if json.Unmarshal(data, &ev) == nil && ev.Type == typ {
				return
			}
		}
	}
	write(protocol.Command{Type: protocol.CmdHello, ID: "h", Name: "mover"})
	awaitFrame(protocol.EvWelcome)
	write(protocol.Command{Type: protocol.CmdJoin, ID: "j", Room: "race"})
	awaitFrame(protocol.EvJoined)
	wg.Go(func() { // keep reading what the room sends the mover
		for {
			if _, _, err := mover.Read(context.Background()); err != nil {
				return
			}
		}
	})

	const updates = 100
	start := time.Now()
	final := 0.0
	for i := range updates {
		final = float64(i+1) / 200
		write(protocol.Command{Type: protocol.CmdCursor, ID: fmt.Sprint("c", i), Room: "race", X: final, Y: 0.5})
	}
	testnode.WaitFor(t, wait, fmt.Sprintf("the watcher to see the mover's last position %v", final), func() bool {
		mu.Lock()
		defer mu.Unlock()
		return lastX == final
	})
	elapsed := time.Since(start)
	mu.Lock()
	relayed := len(seen)
	mu.Unlock()
	// One position per allowance: the burst (1), then perSecond a second,
	// plus one for the edges.
	if bound := 2 + int(elapsed.Seconds()*perSecond); relayed > bound {
		t.Errorf("%d of the mover's positions were relayed in %v, over the rate's %d", relayed, elapsed, bound)
	}
}

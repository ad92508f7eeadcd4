package loadgen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Cluster is W5's target: several Switchboard nodes on one NATS cluster,
// each its own process, and a way to kill one.
type Cluster struct {
	// URLs are the ws:// URLs of the nodes' protocol endpoints.
	URLs []string
	// PIDs are the nodes' process ids (same order), for their CPU.
	PIDs []int
	// Kill ends node i abruptly (SIGKILL: no closing frames, no drain).
	Kill func(i int) error
}

// stormClient is one W5 session and what it received of its room.
type stormClient struct {
	s    *client.Session
	room int

	mu        sync.Mutex
	offsets   []uint64  // the room's offsets in the order handed over
	joins     int       // joined events
	lastJoin  time.Time // arrival of the latest joined event
	recovered bool      // the latest joined event's Recovered
}

// apply records ev as a test of the session would: a joined event that
// is not recovered replaces what the client holds of the room.
func (c *stormClient) apply(ev protocol.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev.Type {
	case protocol.EvJoined:
		c.joins++
		c.lastJoin = time.Now()
		c.recovered = ev.Recovered
		if !ev.Recovered {
			c.offsets = c.offsets[:0]
		}
		for _, e := range ev.Events {
			if e.Offset > 0 {
				c.offsets = append(c.offsets, e.Offset)
			}
		}
	case protocol.EvMessage:
		c.offsets = append(c.offsets, ev.Offset)
	}
}

// joinState returns the number of joined events, the latest one's time and
// whether it was recovered.
func (c *stormClient) joinState() (int, time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.joins, c.lastJoin, c.recovered
}

// check compares the offsets held with 1..n: missing ones, extra copies,
// and whether they came in order.
func (c *stormClient) check(n uint64) (lost, dup int, inOrder bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := make(map[uint64]int, len(c.offsets))
	inOrder = true
	for i, o := range c.offsets {
		seen[o]++
		if i > 0 && o <= c.offsets[i-1] {
			inOrder = false
		}
	}
	for o := uint64(1); o <= n; o++ {
		switch k := seen[o]; {
		case k == 0:
			lost++
		case k > 1:
			dup += k - 1
		}
		delete(seen, o)
	}
	for _, k := range seen { // offsets beyond n: stored but not counted as sent
		dup += k
	}
	return lost, dup, inOrder
}

func (c *stormClient) held() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.offsets)
}

// RunW5 is the reconnect storm: W5Clients sessions (the shared client's
// Session, given every node's URL, starting at node i%nodes) in W5Rooms
// rooms, one more session per room sending W5Rate messages/s through its
// outbox for Duration. A third of the way in, node 0 is killed. It measures
// the time from the kill until every session that was connected to node 0
// has joined its room again on another node, how many joins came back not
// recovered (a resume failure: the client had to drop what it held), and,
// once every send is stored, whether every session holds its room's
// offsets 1..N exactly once.
func RunW5(ctx context.Context, c Cluster, cfg Config) Result {
	cfg.setDefaults()
	r := Result{Workload: "W5", Target: Switchboard}
	r.Err = runW5(ctx, c, cfg, &r)
	return r
}

func runW5(ctx context.Context, cl Cluster, cfg Config, r *Result) error {
	if len(cl.URLs) < 2 || cl.Kill == nil {
		return errors.New("W5 needs at least two nodes and a way to kill one")
	}
	nodes := len(cl.URLs)
	id := runID()
	rooms := make([]string, cfg.W5Rooms)
	for i := range rooms {
		rooms[i] = fmt.Sprintf("w5-%s-%d", id, i)
	}
	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()

	// Sessions 0..rooms-1 send, one per room; all the others only read.
	n := cfg.W5Clients + len(rooms)
	clients := make([]*stormClient, n)
	for i := range n {
		first := i % nodes
		urls := append(slices.Clone(cl.URLs[first:]), cl.URLs[:first]...)
		s := client.NewSession(client.SessionOptions{URLs: urls, Name: fmt.Sprintf("w5u%d", i)})
		c := &stormClient{s: s, room: i % len(rooms)}
		clients[i] = c
		wg.Go(func() { s.Run(sctx) })
		wg.Go(func() {
			for ev := range s.Events() {
				if ev.Room == rooms[c.room] {
					c.apply(ev)
				}
			}
		})
		s.Join(rooms[c.room])
		if i%setupParallel == setupParallel-1 {
			// Let each batch's handshakes through before the next.
			waitUntil(ctx, 30*time.Second, func() bool {
				for _, c := range clients[i+1-setupParallel : i+1] {
					if j, _, _ := c.joinState(); j == 0 {
						return false
					}
				}
				return true
			})
		}
	}
	ok := waitUntil(ctx, 120*time.Second, func() bool {
		for _, c := range clients {
			if j, _, _ := c.joinState(); j == 0 {
				return false
			}
		}
		return true
	})
	if !ok {
		return fmt.Errorf("not every session joined within 120 s")
	}
	fmt.Fprintf(cfg.Log, "  switchboard W5: %d sessions in %d rooms over %d nodes\n", n, len(rooms), nodes)
	for _, pid := range cl.PIDs {
		settle(pid)
	}

	// The senders post through their outboxes: a send cut off by the kill
	// is sent again, with the same id, after the sender's session resumes.
	var sent atomic.Int64
	perRoom := make([]atomic.Int64, len(rooms))
	sendCtx, stopSending := context.WithCancel(sctx)
	defer stopSending()
	var senders sync.WaitGroup
	interval := time.Duration(float64(time.Second) / cfg.W5Rate)
	start := time.Now()
	for i := range rooms {
		c := clients[i]
		senders.Go(func() {
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				if _, err := c.s.Send(protocol.Command{Type: protocol.CmdSend, Room: rooms[i], Text: stamp(5, time.Now())}); err == nil {
					sent.Add(1)
					perRoom[i].Add(1)
				}
				select {
				case <-sendCtx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	survivor := 0 // a surviving node's pid, for its CPU; 0: not measured
	if len(cl.PIDs) > 1 {
		survivor = cl.PIDs[1]
	}
	m := startMeter(survivor)
	waitUntil(ctx, cfg.Duration/3, func() bool { return false })

	// Who is on node 0 right now: they must resume elsewhere.
	var onKilled []*stormClient
	for _, c := range clients {
		if st := c.s.State(); st.Phase == client.Connected && st.URL == cl.URLs[0] {
			onKilled = append(onKilled, c)
		}
	}
	before := make(map[*stormClient]int, n)
	for _, c := range clients {
		before[c], _, _ = c.joinState()
	}
	killedAt := time.Now()
	if err := cl.Kill(0); err != nil {
		return fmt.Errorf("kill node 0: %w", err)
	}
	fmt.Fprintf(cfg.Log, "  switchboard W5: killed node 0 with %d sessions on it\n", len(onKilled))

	var resumeLat histogram
	resumedAll := waitUntil(ctx, cfg.W5ResumeTimeout, func() bool {
		for _, c := range onKilled {
			if j, _, _ := c.joinState(); j <= before[c] {
				return false
			}
		}
		return true
	})
	allAt := time.Since(killedAt)
	remaining := cfg.Duration - time.Since(start)
	waitUntil(ctx, remaining, func() bool { return false })
	stopSending()
	senders.Wait()

	// Every send stored (outboxes empty), then every session holds them all.
	stored := waitUntil(ctx, cfg.Drain+30*time.Second, func() bool {
		for i := range rooms {
			if len(clients[i].s.Outbox()) > 0 {
				return false
			}
		}
		return true
	})
	waitUntil(ctx, cfg.Drain+30*time.Second, func() bool {
		for _, c := range clients {
			if c.held() < int(perRoom[c.room].Load()) {
				return false
			}
		}
		return true
	})
	u := m.stop()

	resumed, failures, notResumed, rejoinsElsewhere := 0, 0, 0, 0
	for _, c := range onKilled {
		j, at, rec := c.joinState()
		switch {
		case j <= before[c]:
			notResumed++
		case rec:
			resumed++
			resumeLat.record(at.Sub(killedAt))
		default:
			failures++
			resumeLat.record(at.Sub(killedAt))
		}
	}
	onKilledSet := make(map[*stormClient]bool, len(onKilled))
	for _, c := range onKilled {
		onKilledSet[c] = true
	}
	for _, c := range clients {
		if j, _, rec := c.joinState(); !onKilledSet[c] && j > before[c] {
			rejoinsElsewhere++
			if !rec {
				failures++
			}
		}
	}
	lost, dup, disordered, incomplete := 0, 0, 0, 0
	for _, c := range clients {
		l, d, inOrder := c.check(uint64(perRoom[c.room].Load()))
		lost += l
		dup += d
		if !inOrder {
			disordered++
		}
		if l > 0 || d > 0 {
			incomplete++
		}
	}
	lat := resumeLat.summary()
	fmt.Fprintf(cfg.Log, "  switchboard W5: %d/%d resumed (recovered) in %v, %d resume failures, %d not resumed; lost %d, duplicated %d\n",
		resumed, len(onKilled), allAt.Round(time.Millisecond), failures, notResumed, lost, dup)

	r.add("sessions", float64(n), "")
	r.add("sessions on the killed node", float64(len(onKilled)), "")
	r.add("resumed (recovered=true)", float64(resumed), "")
	r.add("resume failures (recovered=false)", float64(failures), "")
	r.add("not resumed in time", float64(notResumed), "")
	if resumedAll {
		r.add("time until all resumed", allAt.Seconds(), "s")
	} else {
		r.Notes = append(r.Notes, fmt.Sprintf("not every session of the killed node joined again within %v", cfg.W5ResumeTimeout))
	}
	r.add("resume p50", ms(lat.P50), "ms")
	r.add("resume p99", ms(lat.P99), "ms")
	r.add("messages stored", float64(sent.Load()), "")
	r.add("messages lost (all sessions)", float64(lost), "")
	r.add("messages duplicated (all sessions)", float64(dup), "")
	r.add("sessions not holding 1..N exactly once", float64(incomplete), "")
	r.add("sessions out of order", float64(disordered), "")
	if survivor > 0 {
		r.add("server CPU (a surviving node)", u.ServerCPU, "%")
	}
	r.add("loadgen CPU", u.SelfCPU, "%")
	if rejoinsElsewhere > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d sessions on surviving nodes joined again too", rejoinsElsewhere))
	}
	if !stored {
		r.Notes = append(r.Notes, "some senders' outboxes still held unacknowledged sends at the end")
	}
	r.Notes = append(r.Notes, fmt.Sprintf("%d sessions + %d senders in %d rooms, %g msg/s per room for %v, node 0 of %d SIGKILLed after %v; the bare broadcaster has no resume",
		cfg.W5Clients, len(rooms), len(rooms), cfg.W5Rate, cfg.Duration, nodes, (cfg.Duration/3).Round(time.Millisecond)))
	return nil
}

// waitUntil polls cond every 20 ms until it holds (true), d passes or ctx
// ends (false).
func waitUntil(ctx context.Context, d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}

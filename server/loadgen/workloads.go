package loadgen

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// setupParallel is how many connections a workload's setup opens at once.
const setupParallel = 64

// runW1: W1Clients in W1Rooms rooms, the first member of each room sending
// W1Rate messages/s for Duration.
func runW1(ctx context.Context, t Target, cfg Config, r *Result) error {
	id := runID()
	rooms := make([]string, cfg.W1Rooms)
	for i := range rooms {
		rooms[i] = fmt.Sprintf("w1-%s-%d", id, i)
	}
	// The last textN clients (spread over the rooms like the others; the
	// senders, the first of each room, always speak the app protocol) use
	// the plain-text endpoint.
	textN := 0
	if t.Kind == Switchboard && cfg.W1TextShare > 0 {
		textN = min(int(float64(cfg.W1Clients)*cfg.W1TextShare+0.5), cfg.W1Clients-len(rooms))
	}
	isText := func(i int) bool { return i >= cfg.W1Clients-textN }
	var tr traffic
	start := time.Now()
	members, failed, err := connectRooms(ctx, t, "w1u", cfg.W1Clients, rooms, 256, &tr, setupParallel, isText, nil)
	r.add("setup failures", float64(failed), "")
	r.add("setup time", time.Since(start).Seconds(), "s")
	defer closeAll(members)
	if failed > 0 {
		return fmt.Errorf("%d of %d clients could not connect and join: %w", failed, cfg.W1Clients, err)
	}
	perRoom := make(map[int]int)
	textPerRoom := make(map[int]int)
	for i := range members {
		perRoom[i%len(rooms)]++
		if isText(i) {
			textPerRoom[i%len(rooms)]++
		}
	}
	senders := make([]sender, len(rooms))
	for i := range rooms {
		// A plain-text member does not receive its own messages.
		senders[i] = sender{m: members[i], members: perRoom[i], textMembers: textPerRoom[i]}
	}
	settle(t.PID)
	fmt.Fprintf(cfg.Log, "  %s W1: %d clients (%d on /text) in %d rooms; sending for %v\n", t.Kind, len(members), textN, len(rooms), cfg.Duration)
	p := &phase{id: 1}
	m := startMeter(t.PID)
	tr.send(ctx, p, senders, cfg.W1Rate, cfg.Duration)
	drain(ctx, p, cfg.Drain)
	u := m.stop()
	r.addTraffic(p, cfg.Duration)
	if textN > 0 {
		r.add("/text clients", float64(textN), "")
		exp, got := p.textExpected.Load(), p.textReceived.Load()
		ratio := 0.0
		if exp > 0 {
			ratio = 100 * float64(got) / float64(exp)
		}
		r.add("/text delivery", ratio, "%")
	}
	r.addUsage(u)
	if n := tr.errorNote(); n != "" {
		r.Notes = append(r.Notes, n)
	}
	return nil
}

// runW2: one room of W2Clients; the first member's rate steps up through
// W2Rates until a step fails twice in a row: delivery below 99.9%, p99
// above 100 ms, or the sender could not keep the rate. With text
// (Switchboard only), the room holds the sender (app protocol) and
// W2Clients members on the plain-text endpoint.
func runW2(ctx context.Context, t Target, cfg Config, text bool, r *Result) error {
	room := "w2-" + runID()
	n, isText := cfg.W2Clients, func(int) bool { return false }
	if text {
		if t.Kind != Switchboard {
			return fmt.Errorf("%s has no plain-text endpoint", t.Kind)
		}
		n, isText = cfg.W2Clients+1, func(i int) bool { return i > 0 }
	}
	var tr traffic
	members, failed, err := connectRooms(ctx, t, "w2u", n, []string{room}, 1024, &tr, setupParallel, isText, nil)
	defer closeAll(members)
	if failed > 0 {
		return fmt.Errorf("%d of %d clients could not connect and join: %w", failed, n, err)
	}
	senders := []sender{{m: members[0], members: len(members)}}
	if text {
		senders[0].textMembers = len(members) - 1
		r.add("/text clients", float64(len(members)-1), "")
	}
	var best float64
	var bestPhase *phase
	var bestUsage Usage
	failedAt := ""
	phaseID := 0
	for _, rate := range cfg.W2Rates {
		// A failed step is tried once more: on a shared host a passing
		// burst of someone else's work should not end the search.
		for try := 1; try <= 2; try++ {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			phaseID++
			p, u, why := w2Step(ctx, t, cfg, &tr, senders, phaseID, rate, r)
			if why == "" {
				failedAt = ""
				if perSec := float64(p.received.Load()) / cfg.Duration.Seconds(); perSec > best {
					best, bestPhase, bestUsage = perSec, p, u
				}
				break
			}
			failedAt = fmt.Sprintf("%g msg/s (%s, %d tries)", rate, why, try)
		}
		if failedAt != "" {
			break
		}
	}
	if failedAt == "" {
		failedAt = "none (raise W2Rates)"
	}
	if n := tr.errorNote(); n != "" {
		r.Notes = append(r.Notes, n)
	}
	r.add("max sustainable deliveries/s", best, "/s")
	r.Notes = append(r.Notes, "first failing step: "+failedAt)
	if bestPhase != nil {
		lat := bestPhase.lat.summary()
		r.add("p99 at max", ms(lat.P99), "ms")
		r.add("messages per frame at max", bestPhase.perFrame(), "")
		r.add("server CPU at max", bestUsage.ServerCPU, "%")
		r.add("loadgen CPU at max", bestUsage.SelfCPU, "%")
	}
	return nil
}

// w2Step sends at rate for cfg.Duration and returns the phase, the usage
// and why the step failed ("" if it passed).
func w2Step(ctx context.Context, t Target, cfg Config, tr *traffic, senders []sender, id int, rate float64, r *Result) (*phase, Usage, string) {
	settle(t.PID)
	p := &phase{id: id}
	m := startMeter(t.PID)
	if cfg.OnW2Step != nil {
		cfg.OnW2Step(rate, cfg.Duration)
	}
	tr.send(ctx, p, senders, rate, cfg.Duration)
	drain(ctx, p, cfg.Drain)
	u := m.stop()
	ratio := ratioOf(p)
	lat := p.lat.summary()
	perSec := float64(p.received.Load()) / cfg.Duration.Seconds()
	planned := rate * cfg.Duration.Seconds()
	line := fmt.Sprintf("step %g msg/s: sent %d/%.0f, delivery %.3f%%, %.0f deliveries/s, %.1f messages per frame, p50 %.1f ms, p99 %.1f ms, server CPU %.0f%%, loadgen CPU %.0f%%",
		rate, p.sent.Load(), planned, 100*ratio, perSec, p.perFrame(), ms(lat.P50), ms(lat.P99), u.ServerCPU, u.SelfCPU)
	fmt.Fprintf(cfg.Log, "  %s %s %s\n", t.Kind, r.Workload, line)
	r.Notes = append(r.Notes, line)
	switch {
	case ratio < 0.999:
		return p, u, fmt.Sprintf("delivery %.3f%%", 100*ratio)
	case lat.P99 > 100*time.Millisecond:
		return p, u, fmt.Sprintf("p99 %.1f ms", ms(lat.P99))
	case float64(p.sent.Load()) < 0.95*planned:
		return p, u, fmt.Sprintf("sender managed %.0f msg/s", float64(p.sent.Load())/cfg.Duration.Seconds())
	}
	return p, u, ""
}

// runW4: W4Conns connections opened evenly over W4Window; connect latency
// (Switchboard: handshake, hello and welcome; the peers: handshake).
func runW4(ctx context.Context, t Target, cfg Config, r *Result) error {
	var lat histogram
	members := make([]member, cfg.W4Conns)
	var mu sync.Mutex
	failed := 0
	var firstErr error
	m := startMeter(t.PID)
	interval := cfg.W4Window / time.Duration(cfg.W4Conns)
	tick := time.NewTicker(max(interval, time.Millisecond))
	defer tick.Stop()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < cfg.W4Conns; {
		// Open the connections due by now: an even spread over the window
		// even when the ticker is coarser than the interval.
		due := cfg.W4Conns
		if interval > 0 {
			due = min(cfg.W4Conns, int(time.Since(start)/interval)+1)
		}
		for ; i < due; i++ {
			i := i // the goroutine keeps this connection's index
			wg.Go(func() {
				dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				t0 := time.Now()
				c, err := dial(dctx, t, dialOptions{name: fmt.Sprintf("w4u%d", i), room: "w4", buffer: 4})
				if err != nil {
					mu.Lock()
					failed++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				lat.record(time.Since(t0))
				members[i] = c
			})
		}
		if i >= cfg.W4Conns {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	wg.Wait()
	took := time.Since(start)
	u := m.stop()
	var open []member
	for _, c := range members {
		if c != nil {
			open = append(open, c)
		}
	}
	defer closeAll(open)
	s := lat.summary()
	fmt.Fprintf(cfg.Log, "  %s W4: %d connections in %v, p50 %.1f ms p99 %.1f ms, %d failed\n", t.Kind, len(open), took.Round(time.Millisecond), ms(s.P50), ms(s.P99), failed)
	if t.Kind == Switchboard {
		r.Notes = append(r.Notes, "connect = handshake + hello + welcome (the peers': handshake only)")
	}
	r.add("connected", float64(len(open)), "")
	r.add("failures", float64(failed), "")
	r.add("all open after", took.Seconds(), "s")
	r.add("connect p50", ms(s.P50), "ms")
	r.add("connect p99", ms(s.P99), "ms")
	r.add("connect max", ms(s.Max), "ms")
	if firstErr != nil {
		r.Notes = append(r.Notes, "first failure: "+firstErr.Error())
	}
	r.addUsage(u)
	return nil
}

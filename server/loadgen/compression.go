package loadgen

import (
	"context"
	"fmt"
)

// CompressionServers starts a fresh Switchboard server for one half of WZ,
// with permessage-deflate on (--compression) or off, and returns it (with
// its PID, for its CPU; 0: not measured) and a func that stops it. RunWZ
// calls it twice, one call after the other half has stopped.
type CompressionServers func(ctx context.Context, compression bool) (Target, func(), error)

// RunWZ measures what permessage-deflate costs and saves: W2's room
// (W2Clients and the sender, all on the app protocol and all offering
// permessage-deflate), the sender posting WZRate messages/s for Duration,
// first against a server without compression, then against a fresh one
// with it, so that only the server's setting differs. For each it reports
// delivery, latency, messages per frame, the server's and its own CPU, and
// the bytes its members read off their TCP connections during the window
// (frame headers included; handshake and join not) per delivery; then the
// ratio on/off of the bytes and of the server's CPU.
func RunWZ(ctx context.Context, start CompressionServers, cfg Config) Result {
	cfg.setDefaults()
	r := Result{Workload: "WZ", Target: Switchboard}
	var halves []*wzHalf
	for _, on := range []bool{false, true} {
		if ctx.Err() != nil {
			r.Err = ctx.Err()
			break
		}
		h, err := runWZHalf(ctx, start, on, cfg, &r)
		if err != nil {
			r.Err = fmt.Errorf("compression %s: %w", onOff(on), err)
			break
		}
		halves = append(halves, h)
	}
	r.addWZ(halves)
	return r
}

// wzHalf is what one half of WZ measured.
type wzHalf struct {
	on bool
	p  *phase
	u  Usage
	// pid says whether the server's CPU was measured.
	pid bool
	// wire is the bytes all members read during the window.
	wire int64
}

// perDelivery is the bytes on the wire per delivery.
func (h *wzHalf) perDelivery() float64 {
	n := h.p.received.Load()
	if n == 0 {
		return 0
	}
	return float64(h.wire) / float64(n)
}

// runWZHalf starts a server with compression on or off, connects the room
// to it, and measures one window.
func runWZHalf(ctx context.Context, start CompressionServers, on bool, cfg Config, r *Result) (*wzHalf, error) {
	t, stop, err := start(ctx, on)
	if err != nil {
		return nil, fmt.Errorf("start the server: %w", err)
	}
	defer stop()
	room := "wz-" + runID()
	n := cfg.W2Clients + 1
	wires := make([]wireCount, n)
	var tr traffic
	members, failed, err := connectRooms(ctx, t, "wzu", n, []string{room}, 1024, &tr, setupParallel, nil, func(i int, o *dialOptions) {
		o.compression, o.wire = true, &wires[i]
	})
	defer closeAll(members)
	if failed > 0 {
		return nil, fmt.Errorf("%d of %d clients could not connect and join: %w", failed, n, err)
	}
	// Every member offered permessage-deflate: the server's setting alone
	// decides, and a half that did not get what it set out to measure
	// measured nothing.
	_, deflate := wireTotals(wires)
	want := 0
	if on {
		want = n
	}
	if deflate != want {
		return nil, fmt.Errorf("permessage-deflate negotiated on %d of %d connections, want %d", deflate, n, want)
	}
	settle(t.PID)
	fmt.Fprintf(cfg.Log, "  %s WZ: %d clients and the sender in one room, compression %s; sending %g msg/s for %v\n", t.Kind, n-1, onOff(on), cfg.WZRate, cfg.Duration)
	h := &wzHalf{on: on, p: &phase{id: 1}, pid: t.PID > 0}
	before, _ := wireTotals(wires)
	m := startMeter(t.PID)
	tr.send(ctx, h.p, []sender{{m: members[0], members: n}}, cfg.WZRate, cfg.Duration)
	drain(ctx, h.p, cfg.Drain)
	h.u = m.stop()
	after, _ := wireTotals(wires)
	h.wire = after - before
	lat := h.p.lat.summary()
	line := fmt.Sprintf("compression %s (permessage-deflate on %d of %d connections): sent %d/%.0f, delivery %.3f%%, %.1f messages per frame, p50 %.1f ms, p99 %.1f ms, %.1f bytes on the wire per delivery, server CPU %.0f%%, loadgen CPU %.0f%%",
		onOff(on), deflate, n, h.p.sent.Load(), cfg.WZRate*cfg.Duration.Seconds(), 100*ratioOf(h.p), h.p.perFrame(), ms(lat.P50), ms(lat.P99), h.perDelivery(), h.u.ServerCPU, h.u.SelfCPU)
	fmt.Fprintf(cfg.Log, "  %s WZ %s\n", t.Kind, line)
	r.Notes = append(r.Notes, line)
	if note := tr.errorNote(); note != "" {
		r.Notes = append(r.Notes, fmt.Sprintf("compression %s: %s", onOff(on), note))
	}
	return h, nil
}

// addWZ adds each metric of the halves measured, off then on, and the
// ratios on/off once both were.
func (r *Result) addWZ(halves []*wzHalf) {
	metrics := []struct {
		name, unit string
		v          func(h *wzHalf) float64
		server     bool // needs the server's PID
	}{
		{"delivery", "%", func(h *wzHalf) float64 { return 100 * ratioOf(h.p) }, false},
		{"latency p50", "ms", func(h *wzHalf) float64 { return ms(h.p.lat.summary().P50) }, false},
		{"latency p99", "ms", func(h *wzHalf) float64 { return ms(h.p.lat.summary().P99) }, false},
		{"messages per frame", "", func(h *wzHalf) float64 { return h.p.perFrame() }, false},
		{"server CPU", "%", func(h *wzHalf) float64 { return h.u.ServerCPU }, true},
		{"loadgen CPU", "%", func(h *wzHalf) float64 { return h.u.SelfCPU }, false},
		{"bytes on the wire per delivery", "B", (*wzHalf).perDelivery, false},
	}
	for _, m := range metrics {
		for _, h := range halves {
			if m.server && !h.pid {
				continue
			}
			r.add(fmt.Sprintf("%s (%s)", m.name, onOff(h.on)), m.v(h), m.unit)
		}
	}
	if len(halves) < 2 {
		return
	}
	off, on := halves[0], halves[1]
	if b := off.perDelivery(); b > 0 {
		r.add("bytes on the wire per delivery, on/off", on.perDelivery()/b, "×")
	}
	if off.pid && on.pid && off.u.ServerCPU > 0 {
		r.add("server CPU, on/off", on.u.ServerCPU/off.u.ServerCPU, "×")
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

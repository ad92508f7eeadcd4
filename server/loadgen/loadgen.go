// Package loadgen is Switchboard's load generator: it opens real WebSocket
// connections on loopback to a Switchboard server (through the shared
// client, speaking the app protocol, or raw frames on the plain-text
// endpoint /text) or to one of its peers, the bare baseline broadcaster and
// the gorilla/websocket chat hub (raw frames of the same JSON shape), runs
// the workloads W1–W4 on one server and W5 (a reconnect storm:
// shared-client Sessions, one node killed) on a cluster, and measures
// delivery, latency (from the send time carried in each message, at every
// receiver), messages per frame, and the CPU and memory of the server
// process and of itself (from /proc); WZ (W2's room at one rate, against a
// server without permessage-deflate and one with it) also measures the
// bytes its members read off the wire (wire.go). Every receiver costs the same
// whatever the server: it counts the messages in a frame by their stamps,
// without decoding it (frames.go). `switchboard-bench` drives it and
// prints the table.
package loadgen

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Config sizes the workloads. The zero value of each field means its
// default, which is the figure.
type Config struct {
	// Duration is W1's send window and the length of each W2 step. Default 10 s.
	Duration time.Duration
	// W1Clients in W1Rooms rooms, one sender per room at W1Rate messages/s.
	// Defaults 2,000, 20 and 20.
	W1Clients, W1Rooms int
	W1Rate             float64
	// W2Clients share one room; the sender's rate goes through W2Rates
	// (messages/s) until a step fails twice. W2T is W2 with the W2Clients
	// on the plain-text endpoint /text and the sender on the app protocol
	// (Switchboard only). Defaults 1,000 and 5, 10, 20, 50, 100, 150, 200,
	// 300, 400, 500, 600, 700, 800, 1000, 1200, 1400, 1600, 2000, 2400,
	// 3200: steps of an eighth to a quarter where the servers top out, so
	// a maximum is not a whole 50% step off (800 then 1200 made two
	// servers that failed at 1000 and at 1400 look equal).
	W2Clients int
	W2Rates   []float64
	// WZRate is WZ's send rate (messages/s) to its one room of W2Clients
	// and the sender, for Duration against each of its two servers
	// (Switchboard only, see RunWZ). Default 100.
	WZRate float64
	// W3Steps are the totals of idle connections W3 holds, one step after
	// the other (each step opens the connections it adds to the last), with
	// the server's memory per connection measured at each. Default 10,000
	// and 50,000.
	W3Steps []int
	// W3PerSource is how many of W3's connections dial from each loopback
	// source address (127.0.0.2, 127.0.0.3, …), so that a step may hold
	// more connections than one address has ephemeral ports. Default 10,000.
	W3PerSource int
	// FileLimitNote says why the open-files limit could not be raised as
	// far as wanted; W3 adds it to the note of a step it skips for lack of
	// file descriptors. Default: none.
	FileLimitNote string
	// W4Conns connections are opened, evenly spread over W4Window.
	// Defaults 5,000 and 10 s.
	W4Conns  int
	W4Window time.Duration
	// W1TextShare is the fraction of W1's clients that use the plain-text
	// endpoint /text/{room}/{user} (raw frames "user: text") instead of the
	// app protocol; Switchboard only (the peers have no such endpoint).
	// Default 0.1; negative means none.
	W1TextShare float64
	// W5Clients sessions read W5Rooms rooms on three nodes, each room's
	// sender posting W5Rate messages/s; all who were on the killed node
	// must have resumed within W5ResumeTimeout. Defaults 3,000, 5, 2 and 60 s.
	W5Clients, W5Rooms int
	W5Rate             float64
	W5ResumeTimeout    time.Duration
	// Drain is how long after the sends stop late deliveries are awaited.
	// Default 5 s.
	Drain time.Duration
	// OnW2Step, if set, is called as each W2 step starts sending, with its
	// rate and length (to profile the server under that load). It must not
	// block. Default: nothing.
	OnW2Step func(rate float64, d time.Duration)
	// Log receives progress lines. Default: discarded.
	Log io.Writer
}

func (c *Config) setDefaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	def(&c.W1Clients, 2000)
	def(&c.W1Rooms, 20)
	if c.W1Rate <= 0 {
		c.W1Rate = 20
	}
	def(&c.W2Clients, 1000)
	if len(c.W2Rates) == 0 {
		c.W2Rates = []float64{5, 10, 20, 50, 100, 150, 200, 300, 400, 500, 600, 700, 800, 1000, 1200, 1400, 1600, 2000, 2400, 3200}
	}
	if c.WZRate <= 0 {
		c.WZRate = 100
	}
	if len(c.W3Steps) == 0 {
		c.W3Steps = []int{10000, 50000}
	}
	def(&c.W3PerSource, defaultPerSource)
	def(&c.W4Conns, 5000)
	if c.W4Window <= 0 {
		c.W4Window = 10 * time.Second
	}
	if c.W1TextShare == 0 {
		c.W1TextShare = 0.1
	}
	def(&c.W5Clients, 3000)
	def(&c.W5Rooms, 5)
	if c.W5Rate <= 0 {
		c.W5Rate = 2
	}
	if c.W5ResumeTimeout <= 0 {
		c.W5ResumeTimeout = 60 * time.Second
	}
	if c.Drain <= 0 {
		c.Drain = 5 * time.Second
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// Workloads lists the workload names Run knows, in order.
// W1–W4 load one Target with Run; W2T (W2 over /text) loads a Switchboard
// Target with Run; WZ (W2 with and without permessage-deflate) loads two
// Switchboard servers, one after the other, with RunWZ; W5 loads a Cluster
// with RunW5.
var Workloads = []string{"W1", "W2", "W2T", "WZ", "W3", "W4", "W5"}

// SwitchboardOnly reports whether workload name runs against Switchboard
// alone: the peers have no plain-text endpoint (W2T), no --compression
// (WZ) and no cluster (W5).
func SwitchboardOnly(name string) bool { return name == "W2T" || name == "WZ" || name == "W5" }

// Label is workload name as the report shows it.
func Label(name string) string {
	switch name {
	case "W2T":
		return "W2 /text"
	case "WZ":
		return "W2 compression"
	}
	return name
}

// Run runs workload name ("W1".."W4", "W2T") against t.
func Run(ctx context.Context, t Target, name string, cfg Config) Result {
	cfg.setDefaults()
	r := Result{Workload: name, Target: t.Kind}
	var err error
	switch name {
	case "W1":
		err = runW1(ctx, t, cfg, &r)
	case "W2":
		err = runW2(ctx, t, cfg, false, &r)
	case "W2T":
		err = runW2(ctx, t, cfg, true, &r)
	case "W3":
		err = runW3(ctx, t, cfg, &r)
	case "W4":
		err = runW4(ctx, t, cfg, &r)
	case "WZ":
		err = fmt.Errorf("WZ needs two servers, one with compression: use RunWZ")
	case "W5":
		err = fmt.Errorf("W5 needs a cluster: use RunW5")
	default:
		err = fmt.Errorf("unknown workload %q", name)
	}
	r.Err = err
	return r
}

// phase is one measured send window: what was sent, what arrived, how late.
type phase struct {
	id         int
	sent       atomic.Int64 // messages
	expected   atomic.Int64 // deliveries: each message times its room's members
	received   atomic.Int64
	sendErrors atomic.Int64
	lat        histogram
	// frames counts the frames that held at least one received message.
	frames atomic.Int64
	// The share of expected and received of plain-text (/text) members.
	textExpected, textReceived atomic.Int64
}

// perFrame is the mean number of messages in a frame that held any.
func (p *phase) perFrame() float64 {
	f := p.frames.Load()
	if f == 0 {
		return 0
	}
	return float64(p.received.Load()) / float64(f)
}

// traffic routes what every member receives to the current phase; a
// message of an earlier phase arriving late is not counted.
type traffic struct {
	cur atomic.Pointer[phase]

	errMu  sync.Mutex
	errors map[string]int // error events by code, whole workload
}

func (tr *traffic) onError(code string) {
	tr.errMu.Lock()
	defer tr.errMu.Unlock()
	if tr.errors == nil {
		tr.errors = make(map[string]int)
	}
	tr.errors[code]++
}

// errorNote describes the error events received, or "" with none.
func (tr *traffic) errorNote() string {
	tr.errMu.Lock()
	defer tr.errMu.Unlock()
	if len(tr.errors) == 0 {
		return ""
	}
	return fmt.Sprintf("error events from the server, by code: %v", tr.errors)
}

// onText counts one message a Switchboard member's client decoded (see
// dial: most are counted in their frames by receiveFrame instead).
func (tr *traffic) onText(text string) {
	id, sent, ok := parseStamp(text)
	p := tr.cur.Load()
	if !ok || p == nil || id != p.id {
		return
	}
	p.lat.record(time.Since(sent))
	p.received.Add(1)
}

// sender is a member that sends, the number of members its room has, and
// how many of them are plain-text members.
type sender struct {
	m                    member
	members, textMembers int
}

// send runs p: every sender posts rate messages/s for d, paced by a ticker.
func (tr *traffic) send(ctx context.Context, p *phase, senders []sender, rate float64, d time.Duration) {
	tr.cur.Store(p)
	var wg sync.WaitGroup
	interval := max(time.Duration(float64(time.Second)/rate), 5*time.Millisecond)
	for i, s := range senders {
		wg.Go(func() {
			// Spread the senders' ticks over one interval, as independent
			// people would be, rather than all sending at once.
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval * time.Duration(i) / time.Duration(len(senders))):
			}
			t := time.NewTicker(interval)
			defer t.Stop()
			start := time.Now()
			var sent int64
			for {
				elapsed := time.Since(start)
				if elapsed >= d {
					return
				}
				for due := int64(elapsed.Seconds()*rate) + 1; sent < due; sent++ {
					if err := s.m.send(ctx, stamp(p.id, time.Now())); err != nil {
						p.sendErrors.Add(1)
						return
					}
					p.sent.Add(1)
					p.expected.Add(int64(s.members))
					p.textExpected.Add(int64(s.textMembers))
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	wg.Wait()
}

// drain waits until every expected delivery of p arrived or timeout passed.
func drain(ctx context.Context, p *phase, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for p.received.Load() < p.expected.Load() && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
}

// connectRooms dials n members into rooms (member i in room i%len(rooms)),
// at most parallel at a time, and joins them; member i uses the plain-text
// endpoint if isText(i) (isText nil: none does), and each, if set, may
// change member i's dial options last. It returns the members that made it
// (in order, with the failed ones left out) and the first error, if any.
func connectRooms(ctx context.Context, t Target, prefix string, n int, rooms []string, buffer int, tr *traffic, parallel int, isText func(int) bool, each func(i int, o *dialOptions)) ([]member, int, error) {
	o := dialOptions{buffer: buffer, tr: tr}
	if isText == nil {
		isText = func(int) bool { return false }
	}
	members := make([]member, n)
	errs := make([]error, n)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			room := ""
			if len(rooms) > 0 {
				room = rooms[i%len(rooms)]
			}
			o := o
			o.name, o.room = fmt.Sprintf("%s%d", prefix, i), room
			o.text = isText(i)
			if each != nil {
				each(i, &o)
			}
			m, err := dial(dctx, t, o)
			if err == nil && room != "" {
				if err = m.join(dctx); err != nil {
					m.close()
				}
			}
			if err != nil {
				errs[i] = err
				return
			}
			members[i] = m
		})
	}
	wg.Wait()
	var ok []member
	var firstErr error
	failed := 0
	for i, m := range members {
		if m != nil {
			ok = append(ok, m)
		} else {
			failed++
			if firstErr == nil {
				firstErr = errs[i]
			}
		}
	}
	return ok, failed, firstErr
}

// closeAll closes members, many at a time.
func closeAll(members []member) {
	sem := make(chan struct{}, 500)
	var wg sync.WaitGroup
	for _, m := range members {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			m.close()
		})
	}
	wg.Wait()
}

func runID() string {
	return fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)
}

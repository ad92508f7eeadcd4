package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// DemoFeedRoom is the room `switchboard serve` publishes its built-in demo
// feed to (unless --demo-feed=false).
const DemoFeedRoom = "demo"

// demoSeries is one simulated series: a random walk pulled back towards
// its base value, within [lo, hi].
type demoSeries struct {
	name, unit         string
	base, step, lo, hi float64
	value              float64
}

// demoFeed simulates two share prices and two cities' temperatures.
// It is not safe for concurrent use.
type demoFeed struct {
	rng    *rand.Rand
	series []demoSeries
}

func newDemoFeed(seed uint64) *demoFeed {
	d := &demoFeed{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), series: []demoSeries{
		{name: "ACME", unit: "USD", base: 120, step: 0.8, lo: 60, hi: 240},
		{name: "GLOBEX", unit: "USD", base: 95, step: 0.6, lo: 40, hi: 190},
		{name: "Oslo", unit: "°C", base: 4, step: 0.15, lo: -25, hi: 35},
		{name: "Lisbon", unit: "°C", base: 18, step: 0.12, lo: -5, hi: 45},
	}}
	for i := range d.series {
		d.series[i].value = d.series[i].base
	}
	return d
}

// next moves every series one step and returns their points at now.
func (d *demoFeed) next(now time.Time) []protocol.Point {
	points := make([]protocol.Point, len(d.series))
	for i := range d.series {
		s := &d.series[i]
		pull := (s.base - s.value) * 0.02
		s.value = math.Min(s.hi, math.Max(s.lo, s.value+pull+(d.rng.Float64()*2-1)*s.step))
		points[i] = protocol.Point{Series: s.name, Unit: s.unit, Value: math.Round(s.value*100) / 100, Time: now.UnixMilli()}
	}
	return points
}

// runDemoFeed publishes the demo feed's points every interval until ctx
// ends. A failed publish is logged (once per outage) and the next tick
// tries again.
func runDemoFeed(ctx context.Context, interval time.Duration, publish func(context.Context, []protocol.Point) error, log *slog.Logger) {
	d := newDemoFeed(uint64(time.Now().UnixNano()))
	tick := time.NewTicker(interval)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := publish(pctx, d.next(now))
			cancel()
			switch {
			case err != nil && ctx.Err() == nil && !failing:
				log.Warn("demo feed: publish failed; retrying every tick", "err", err)
				failing = true
			case err == nil && failing:
				log.Info("demo feed: publishing again")
				failing = false
			}
		}
	}
}

// feed is `switchboard feed`: it connects to a server as a WebSocket
// client and publishes points to a room's feed, either simulated (--demo)
// or read from standard input, one JSON point (or array of points) per
// line. It reconnects after a lost connection.
func feed(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("feed", flag.ContinueOnError)
	url := fs.String("url", "ws://127.0.0.1:8080/ws", "the server's WebSocket endpoint")
	room := fs.String("room", "demo-cli", "the room whose feed gets the points (the server must let you publish there: see --feed-rooms)")
	demo := fs.Bool("demo", false, "publish simulated prices and weather every --interval instead of reading standard input")
	interval := fs.Duration("interval", time.Second, "time between two demo points")
	name := fs.String("name", "feed", "the nickname the publisher connects with")
	token := fs.String("token", "", "a site's JWT with the publisher role, for rooms not open to feeds (set it in the environment)")
	if err := parse(fs, args, getenv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if perr := protocol.ValidateRoom(*room); perr != nil {
		return fmt.Errorf("--room: %s", perr.Message)
	}
	if *interval <= 0 {
		return errors.New("--interval must be positive")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	p := &publisher{url: *url, opts: client.Options{Name: *name, Token: *token}, room: *room}
	defer p.close()
	if *demo {
		fmt.Fprintf(stdout, "publishing simulated prices and weather to %q every %v (Ctrl-C stops)\n", *room, *interval)
		runDemoFeed(ctx, *interval, p.publish, log)
		return nil
	}
	return p.fromLines(ctx, stdin)
}

// publisher publishes points over one connection, dialling again after
// it is lost.
type publisher struct {
	url  string
	opts client.Options
	room string
	conn *client.Conn
}

func (p *publisher) publish(ctx context.Context, points []protocol.Point) error {
	if p.conn != nil {
		select {
		case <-p.conn.Done():
			p.conn = nil
		default:
		}
	}
	if p.conn == nil {
		c, err := client.Dial(ctx, p.url, p.opts)
		if err != nil {
			return err
		}
		p.conn = c
	}
	_, err := p.conn.PublishPoints(ctx, p.room, points...)
	var perr *protocol.Error
	if errors.As(err, &perr) && perr.Code == protocol.CodeForbidden {
		return fmt.Errorf("%s (start the server with --feed-rooms matching %q, or give a --token)", perr.Message, p.room)
	}
	return err
}

func (p *publisher) close() {
	if p.conn != nil {
		p.conn.Close()
	}
}

// fromLines publishes each line of r: a JSON point or array of points.
func (p *publisher) fromLines(ctx context.Context, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), protocol.MaxFrameBytes)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var points []protocol.Point
		if strings.HasPrefix(line, "[") {
			if err := json.Unmarshal([]byte(line), &points); err != nil {
				return fmt.Errorf("line %d: %w", n, err)
			}
		} else {
			var pt protocol.Point
			if err := json.Unmarshal([]byte(line), &pt); err != nil {
				return fmt.Errorf("line %d: %w", n, err)
			}
			points = []protocol.Point{pt}
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := p.publish(pctx, points)
		cancel()
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

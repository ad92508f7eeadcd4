package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// counterClient is a shared/client Counter and the last state and users
// count it received.
type counterClient struct {
	*client.Counter
	mu     sync.Mutex
	value  int64
	users  int
	states int // state events received
	errs   []string
}

func dialCounter(t testing.TB, url string) *counterClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.DialCounter(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial counter: %v", err)
	}
	cc := &counterClient{Counter: c}
	go func() {
		for ev := range c.Events() {
			cc.mu.Lock()
			switch ev.Type {
			case protocol.CounterState:
				cc.value, cc.states = ev.Value, cc.states+1
			case protocol.CounterUsers:
				cc.users = ev.Count
			case protocol.CounterError:
				cc.errs = append(cc.errs, ev.Message)
			}
			cc.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close() })
	return cc
}

func (c *counterClient) get() (value int64, users, states int, errs []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.value, c.users, c.states, append([]string(nil), c.errs...)
}

// waitCounters polls until every client satisfies cond.
func waitCounters(t *testing.T, clients []*counterClient, what string, cond func(value int64, users, states int) bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for ; ; <-tick.C {
		var bad []string
		for i, c := range clients {
			if v, u, s, errs := c.get(); !cond(v, u, s) {
				bad = append(bad, fmt.Sprintf("#%d value %d users %d states %d errors %q", i, v, u, s, errs))
			}
		}
		if len(bad) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not within 60s; %d clients not there: %s", what, len(bad), strings.Join(bad[:min(len(bad), 5)], "; "))
		}
	}
}

func counterURL(n *testnode.Node, name string) string {
	return "ws" + strings.TrimPrefix(n.HTTP.URL, "http") + "/counter/" + name
}

// 50 clients over two nodes sharing one NATS each send 20 plus at once:
// every client ends at exactly 1000 and counts 50 users; when half leave
// the others count 25; the value survives a restart of everything.
func TestCounterConcurrentAcrossNodes(t *testing.T) {
	t.Parallel()
	storeDir := t.TempDir()
	ext := testnode.NATS(t, storeDir, "127.0.0.1:-1")
	addr := strings.TrimPrefix(ext.ClientURL(), "nats://")
	cfg := func(node string) server.Config {
		return server.Config{
			NATSURL: ext.ClientURL(), Node: node,
			MessagesPerSecond: 1000, MessageBurst: 100, HandshakesPerSecond: 1000, MaxConnsPerIP: 1000,
		}
	}
	nodes := []*testnode.Node{testnode.Start(t, cfg("ca")), testnode.Start(t, cfg("cb"))}

	const clients, each = 50, 20
	var all []*counterClient
	for i := range clients {
		all = append(all, dialCounter(t, counterURL(nodes[i%2], "race")))
	}
	waitCounters(t, all, "every client to count 50 users and see the value", func(v int64, u, s int) bool {
		return u == clients && s > 0 && v == 0
	})

	var wg sync.WaitGroup
	for _, c := range all {
		wg.Go(func() {
			for range each {
				if err := c.Plus(context.Background()); err != nil {
					t.Errorf("plus: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	waitCounters(t, all, "every client to see 1000", func(v int64, u, s int) bool { return v == clients*each })
	for _, c := range all {
		if _, _, _, errs := c.get(); len(errs) > 0 {
			t.Fatalf("errors during the race: %q", errs)
		}
	}

	// Half of them (all of node ca's) leave: the rest count 25.
	var rest []*counterClient
	for i, c := range all {
		if i%2 == 0 {
			c.Close()
		} else {
			rest = append(rest, c)
		}
	}
	waitCounters(t, rest, "the others to count 25 users", func(v int64, u, s int) bool { return u == clients/2 })

	// A minus from one reaches everyone.
	if err := rest[0].Minus(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitCounters(t, rest, "everyone to see 999", func(v int64, u, s int) bool { return v == clients*each-1 })

	// Everything stops: the nodes, then NATS. On restart the value is there.
	for _, c := range rest {
		c.Close()
	}
	for _, n := range nodes {
		n.Kill()
	}
	ext.Shutdown()
	ext = testnode.NATS(t, storeDir, addr)
	again := testnode.Start(t, server.Config{NATSURL: ext.ClientURL(), Node: "cc"})
	c := dialCounter(t, counterURL(again, "race"))
	waitCounters(t, []*counterClient{c}, "the value after the restart", func(v int64, u, s int) bool {
		return s > 0 && v == clients*each-1 && u == 1
	})
}

// Anything that is not an action gets an error event; the connection and
// the value are unharmed. The bare /counter is the counter "default".
func TestCounterBadInput(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{MaxFrameBytes: 1024})
	p := dialPlain(t, "ws"+strings.TrimPrefix(n.HTTP.URL, "http")+"/counter", nil)
	waitLine(t, p.lines, `{"type":"state","value":0}`)
	waitLine(t, p.lines, `{"type":"users","count":1}`)
	for _, bad := range []string{`{"action":"times"}`, `{"action":"plus","by":5}`, `plus`, `{"action":"plus"}{}`, `[]`} {
		p.say(bad)
		waitLine(t, p.lines, `{"type":"error","message":*`)
	}
	p.send(websocket.MessageBinary, `{"action":"plus"}`)
	waitLine(t, p.lines, `{"type":"error","message":"send text frames*`)
	p.say(`{"action":"plus"}`)
	waitLine(t, p.lines, `{"type":"state","value":1}`)

	// The same counter through the shared client, by its name.
	c := dialCounter(t, counterURL(n, protocol.DefaultCounter))
	waitCounters(t, []*counterClient{c}, "the default counter", func(v int64, u, s int) bool { return v == 1 && u == 2 })
	waitLine(t, p.lines, `{"type":"users","count":2}`)

	for _, name := range []string{"no%20spaces", strings.Repeat("x", 65)} {
		_, res, err := websocket.Dial(testnode.Ctx(t), counterURL(n, name), nil)
		if err == nil || res == nil || res.StatusCode != 400 {
			t.Errorf("counter %q: %v %v, want HTTP 400", name, err, res)
		}
	}

	p.say(strings.Repeat(" ", 1025))
	if code := p.waitClose(); code != websocket.StatusMessageTooBig {
		t.Fatalf("close %d, want 1009", code)
	}
	waitCounters(t, []*counterClient{c}, "one user left", func(v int64, u, s int) bool { return u == 1 })
}

package server_test

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Three NATS servers in a cluster, three Switchboard nodes, clients spread
// over them sending into one room; one node is killed abruptly mid-stream.
// Its clients reconnect to the others; in the end every client holds
// exactly the stored sequence: no gap, no duplicate.
func TestClusterNodeKilledMidStream(t *testing.T) {
	t.Parallel()
	natsServers := testnode.NATSCluster(t, 3)
	var nodes []*testnode.Node
	for i, ns := range natsServers {
		nodes = append(nodes, testnode.Start(t, server.Config{
			NATSURL: ns.ClientURL(), Replicas: 3, Node: fmt.Sprintf("node%d", i),
			PresenceInterval: 200 * time.Millisecond, PresenceTTL: time.Second,
			// A low limit: the outboxes meet rate_limited and must retry.
			MessagesPerSecond: 40, MessageBurst: 10,
		}))
	}
	const room, perSender = "kill", 60
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })

	type member struct {
		s   *client.Session
		log *roomLog
	}
	var members []member
	for i := range 6 {
		first := i % 3
		urls := []string{nodes[first].WS, nodes[(first+1)%3].WS, nodes[(first+2)%3].WS}
		s := client.NewSession(client.SessionOptions{
			URLs: urls, Name: fmt.Sprintf("p%d", i),
			MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond,
		})
		m := member{s: s, log: &roomLog{}}
		members = append(members, m)
		wg.Go(func() { s.Run(ctx) })
		wg.Go(func() {
			for ev := range s.Events() {
				if ev.Room == room {
					m.log.apply(ev)
				}
			}
		})
		s.Join(room)
	}
	testnode.WaitFor(t, 20*time.Second, "every member to join", func() bool {
		for _, m := range members {
			if _, joins, _ := m.log.snapshot(); joins == 0 {
				return false
			}
		}
		return true
	})

	// Members 0 and 3 are on node 0, the one to be killed.
	for _, i := range []int{0, 3} {
		if url := members[i].s.State().URL; url != nodes[0].WS {
			t.Fatalf("member %d is on %s, want node 0 (%s)", i, url, nodes[0].WS)
		}
	}
	_, joinsBefore0, resumedBefore0 := members[0].log.snapshot()
	_, joinsBefore3, resumedBefore3 := members[3].log.snapshot()

	// Three senders, one per node, each with its whole share in its
	// outbox; the rate limit makes them drain over seconds. Node 0 is
	// killed once its members have received some of the stream, while
	// every sender still has messages waiting.
	senders := []member{members[0], members[1], members[2]}
	for i := range perSender {
		for j, m := range senders {
			if _, err := m.s.Send(protocol.Command{Type: protocol.CmdSend, Room: room, Text: fmt.Sprintf("s%d-%d", j, i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	total := uint64(perSender * len(senders))
	const beforeKill = 20
	testnode.WaitFor(t, 30*time.Second, fmt.Sprintf("node 0's members to receive %d messages", beforeKill), func() bool {
		a, _, _ := members[0].log.snapshot()
		b, _, _ := members[3].log.snapshot()
		return len(a) >= beforeKill && len(b) >= beforeKill
	})
	nodes[0].Kill()
	var delivered []int
	for _, m := range members {
		got, _, _ := m.log.snapshot()
		delivered = append(delivered, len(got))
	}
	pending := 0
	for j, m := range senders {
		if len(m.s.Outbox()) == 0 {
			t.Fatalf("sender %d had sent everything before the kill: not mid-stream", j)
		}
		pending += len(m.s.Outbox())
	}
	t.Logf("killed node 0 with members holding %v of %d offsets and %d sends still in outboxes", delivered, total, pending)
	want := make([]uint64, total)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		done := true
		for _, m := range members {
			got, _, _ := m.log.snapshot()
			if len(got) < int(total) || len(m.s.Outbox()) > 0 {
				done = false
			}
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			for i, m := range members {
				got, joins, resumed := m.log.snapshot()
				t.Logf("member %d: %d offsets (%s), outbox %d, joins %d (recovered %d), state %v %v",
					i, len(got), diff(got, want), len(m.s.Outbox()), joins, resumed, m.s.State().Phase, m.s.State().Err)
			}
			pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
			t.Fatal("not every member holds every message within 60 s")
		}
		<-tick.C
	}
	for i, m := range members {
		got, joins, resumed := m.log.snapshot()
		if !slices.Equal(got, want) {
			t.Errorf("member %d holds %d offsets, want 1..%d exactly once in order; differences: %v", i, len(got), total, diff(got, want))
		}
		t.Logf("member %d: %d joins, %d recovered, now on %s", i, joins, resumed, m.s.State().URL)
	}
	// The killed node's members rejoined on another node and resumed from
	// their position (recovered), rather than reloading the room.
	for _, c := range []struct{ i, joins, resumed int }{{0, joinsBefore0, resumedBefore0}, {3, joinsBefore3, resumedBefore3}} {
		_, joins, resumed := members[c.i].log.snapshot()
		if joins <= c.joins || resumed <= c.resumed {
			t.Errorf("member %d: %d joins (%d recovered) after the kill, %d (%d) before: want a recovered rejoin", c.i, joins, resumed, c.joins, c.resumed)
		}
		if url := members[c.i].s.State().URL; url == nodes[0].WS {
			t.Errorf("member %d is still on the killed node", c.i)
		}
	}
	// The stored sequence holds each sent message exactly once.
	reader := testnode.Dial(t, nodes[1].WS, "reader")
	joined := testnode.DoRetry(t, reader, protocol.Command{Type: protocol.CmdJoin, Room: room})
	history := joined.Events
	for joined.More || (len(history) > 0 && history[0].Offset > 1) {
		page := testnode.DoRetry(t, reader, protocol.Command{Type: protocol.CmdHistory, Room: room, Offset: history[0].Offset, Limit: 200})
		history = append(page.Events, history...)
		joined.More = page.More
	}
	seen := map[string]int{}
	for _, ev := range history {
		seen[ev.Text]++
	}
	if len(history) != int(total) || len(seen) != int(total) {
		t.Fatalf("stored %d events with %d distinct texts, want %d of each", len(history), len(seen), total)
	}
}

// diff describes how got differs from want: missing and repeated offsets.
func diff(got, want []uint64) string {
	count := map[uint64]int{}
	for _, o := range got {
		count[o]++
	}
	var missing, repeated []uint64
	for _, o := range want {
		switch count[o] {
		case 0:
			missing = append(missing, o)
		case 1:
		default:
			repeated = append(repeated, o)
		}
	}
	return fmt.Sprintf("missing %v, repeated %v", missing, repeated)
}

// Members of a node that dies vanish from the others' presence within the
// presence TTL plus the expiry check period (hub.Options.ExpiryCheck), not
// TTL plus the restatement interval: the interval here is long next to the
// check period, so expiring only when restating would miss the bound.
func TestPresenceExpiresWhenNodeDies(t *testing.T) {
	t.Parallel()
	natsServers := testnode.NATSCluster(t, 3)
	const interval, ttl = 2 * time.Second, 3 * time.Second
	check := hub.Options{PresenceTTL: ttl}.ExpiryCheck()
	// Delivery of the presence event to the watcher's socket, on a loaded
	// machine.
	const delivery = 150 * time.Millisecond
	cfg := func(i int) server.Config {
		return server.Config{
			NATSURL: natsServers[i].ClientURL(), Replicas: 3, Node: fmt.Sprintf("pnode%d", i),
			PresenceInterval: interval, PresenceTTL: ttl,
		}
	}
	a := testnode.Start(t, cfg(0))
	b := testnode.Start(t, cfg(1))
	ctx := testnode.Ctx(t)
	watcher := testnode.Dial(t, b.WS, "watcher")
	if _, err := watcher.Join(ctx, "alive"); err != nil {
		t.Fatal(err)
	}
	doomed := testnode.Dial(t, a.WS, "doomed")
	if _, err := doomed.Join(ctx, "alive"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, watcher, wait, "doomed to arrive", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Joined) == 1 && ev.Joined[0].Name == "doomed"
	})
	// b heard from a (the join) just before this: the kill comes at most
	// a moment after a's last word, so the vanish must come within the
	// bound of it.
	killed := time.Now()
	a.Kill()
	testnode.WaitEvent(t, watcher, ttl+interval+5*time.Second, "doomed to vanish", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Left) == 1 && ev.Left[0].Name == "doomed" && ev.Count == 1
	})
	took := time.Since(killed)
	t.Logf("a dead node's member vanished after %v (TTL %v, expiry check every %v, restatement every %v)",
		took.Round(time.Millisecond), ttl, check, interval)
	if bound := ttl + check + delivery; took > bound {
		t.Fatalf("the dead node's member vanished after %v, want at most TTL + expiry check (+ delivery) = %v", took, bound)
	}
}

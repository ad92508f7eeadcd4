package broker_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server/broker"
	"github.com/switchboard-rt/switchboard/server/natsd"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// startBrokers starts an embedded NATS server and n brokers on it, as n
// nodes sharing one JetStream would be.
func startBrokers(t *testing.T, n int) []*broker.Broker {
	t.Helper()
	ns, err := natsd.Start(natsd.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	var out []*broker.Broker
	for range n {
		nc, err := ns.Connect()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		b, err := broker.New(context.Background(), nc, broker.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

type appended struct {
	id  string
	ev  protocol.Event
	dup bool
}

// appendAll appends one message per id at once, spread over the brokers.
func appendAll(t *testing.T, brokers []*broker.Broker, room string, ids []string) []appended {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := make([]appended, len(ids))
	errs := make(chan error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			b := brokers[i%len(brokers)]
			ev, dup, err := b.Append(ctx, room, id, protocol.Event{Type: protocol.EvMessage, ID: id, Text: "text of " + id})
			if err != nil {
				errs <- fmt.Errorf("append %s: %w", id, err)
				return
			}
			out[i] = appended{id: id, ev: ev, dup: dup}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return out
}

// checkRoom reads the room back and checks it holds want ids at offsets
// 1..len(want), each at the offset its append answered, in one epoch.
func checkRoom(t *testing.T, b *broker.Broker, room string, got []appended, total int) {
	t.Helper()
	events, err := b.Read(context.Background(), room, 1, total+10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != total {
		t.Fatalf("room holds %d events, want %d", len(events), total)
	}
	byOffset := map[uint64]string{}
	for i, ev := range events {
		if ev.Offset != uint64(i+1) || ev.Epoch != events[0].Epoch {
			t.Fatalf("event %d at %s/%d, want offset %d in epoch %s", i, ev.Epoch, ev.Offset, i+1, events[0].Epoch)
		}
		if ev.Text != "text of "+ev.ID {
			t.Fatalf("offset %d holds %q for id %s", ev.Offset, ev.Text, ev.ID)
		}
		byOffset[ev.Offset] = ev.ID
	}
	for _, a := range got {
		if a.ev.Epoch != events[0].Epoch || byOffset[a.ev.Offset] != a.id {
			t.Fatalf("append of %s answered %s/%d, which holds %s", a.id, a.ev.Epoch, a.ev.Offset, byOffset[a.ev.Offset])
		}
	}
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

// Appends that queue up behind a room's writer are stored together: every
// one at its own offset, without gaps, and the answers match the store.
func TestGroupCommitKeepsOffsetsExact(t *testing.T) {
	bs := startBrokers(t, 1)
	got := appendAll(t, bs, "busy", ids("a", 300))
	checkRoom(t, bs[0], "busy", got, 300)
	batches, events := bs[0].GroupCommits()
	if batches == 0 || events < uint64(broker.MinAtomicBatch(1))*batches {
		t.Errorf("300 concurrent appends made %d batches of %d events: group commit did not happen, or took queues under %d", batches, events, broker.MinAtomicBatch(1))
	}
	// Retried ids (a client resending after a lost ack) mixed with new ones:
	// the retries are answered with their first copy, the new ones follow.
	again := append(ids("a", 40), ids("b", 40)...)
	got2 := appendAll(t, bs, "busy", again)
	offsets := map[uint64]bool{}
	for i, a := range got2 {
		if (i < 40) != a.dup {
			t.Fatalf("append of %s: duplicate = %v", a.id, a.dup)
		}
		if a.dup && a.ev.Offset != got[i].ev.Offset {
			t.Fatalf("retry of %s answered offset %d, first stored at %d", a.id, a.ev.Offset, got[i].ev.Offset)
		}
		offsets[a.ev.Offset] = true
	}
	checkRoom(t, bs[0], "busy", append(got, got2[40:]...), 340)
	var fresh []int
	for _, a := range got2[40:] {
		fresh = append(fresh, int(a.ev.Offset))
	}
	sort.Ints(fresh)
	if fresh[0] != 301 || fresh[len(fresh)-1] != 340 {
		t.Errorf("new appends took offsets %d..%d, want 301..340", fresh[0], fresh[len(fresh)-1])
	}
}

// On one replica, a short queue is stored one by one: nats-server stages
// each atomic batch in a file store of its own (created, fsynced, removed),
// dearer than a few round trips. Offsets stay exact all the same. (That
// long queues still go in batches, of at least MinAtomicBatch, is checked
// by TestGroupCommitKeepsOffsetsExact.)
func TestShortQueuesSkipAtomicBatches(t *testing.T) {
	bs := startBrokers(t, 1)
	// Queued back to back while the first is stored: the rest wait as one
	// queue, shorter than a batch on one replica.
	n := broker.MinAtomicBatch(1) - 1
	got := make([]appended, n)
	var wg sync.WaitGroup
	for i, id := range ids("q", n) {
		wg.Add(1)
		bs[0].AppendAsync("quiet", id, protocol.Event{Type: protocol.EvMessage, ID: id, Text: "text of " + id}, func(ev protocol.Event, dup bool, err error) {
			defer wg.Done()
			if err != nil {
				t.Errorf("append %s: %v", id, err)
			}
			got[i] = appended{id: id, ev: ev, dup: dup}
		})
	}
	wg.Wait()
	checkRoom(t, bs[0], "quiet", got, n)
	if batches, _ := bs[0].GroupCommits(); batches != 0 {
		t.Errorf("%d queued appends on one replica made %d atomic batches, want none", n, batches)
	}
}

// Two nodes appending to one room at once: their batches race for the
// room's next offset, the loser re-reads and retries, nothing collides.
func TestGroupCommitAcrossNodes(t *testing.T) {
	bs := startBrokers(t, 2)
	got := appendAll(t, bs, "shared", ids("c", 400))
	checkRoom(t, bs[0], "shared", got, 400)
}

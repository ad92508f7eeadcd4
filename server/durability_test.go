package server_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/hub"
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
	waitFor(t, 20*time.Second, "every member to join", func() bool {
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
	waitFor(t, 30*time.Second, fmt.Sprintf("node 0's members to receive %d messages", beforeKill), func() bool {
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
	waitFor(t, wait, "the session to join "+room, func() bool { _, joins, _ := log.snapshot(); return joins > 0 })
	return s, log
}

// purgeRoom deletes room's stored history behind the nodes' backs, as a
// lost store would, through the NATS server at natsURL.
func purgeRoom(t *testing.T, natsURL, room string) {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(testnode.Ctx(t), "SWITCHBOARD_ROOMS")
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Purge(testnode.Ctx(t), jetstream.WithPurgeSubject("sb.room."+room)); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not within %v", what, timeout)
		}
		<-tick.C
	}
}

// A restarted node (embedded NATS) keeps the history, offsets and epoch.
func TestRestartKeepsHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	n := testnode.Start(t, server.Config{DataDir: dir})
	ann := testnode.Dial(t, n.WS, "ann")
	ctx := testnode.Ctx(t)
	if _, err := ann.Join(ctx, "keep"); err != nil {
		t.Fatal(err)
	}
	var epoch string
	for _, text := range []string{"a", "b", "c"} {
		ack, err := ann.Send(ctx, "keep", text)
		if err != nil {
			t.Fatal(err)
		}
		epoch = ack.Epoch
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Shutdown(sctx, protocol.CloseRestart); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ann.Done():
	case <-time.After(wait):
		t.Fatal("the client was not disconnected by the shutdown")
	}
	if code := client.CloseCode(ann.Err()); code != protocol.CloseRestart {
		t.Fatalf("close code %d (%v), want %d (restart)", code, ann.Err(), protocol.CloseRestart)
	}

	n2 := testnode.Start(t, server.Config{DataDir: dir})
	bob := testnode.Dial(t, n2.WS, "bob")
	joined, err := bob.Join(ctx, "keep")
	if err != nil {
		t.Fatal(err)
	}
	if joined.Epoch != epoch || joined.Offset != 3 || len(joined.Events) != 3 || joined.Events[2].Text != "c" {
		t.Fatalf("after restart: epoch %s offset %d events %d, want epoch %s offset 3 and 3 events", joined.Epoch, joined.Offset, len(joined.Events), epoch)
	}
	ack, err := bob.Send(ctx, "keep", "d")
	if err != nil || ack.Offset != 4 || ack.Epoch != epoch {
		t.Fatalf("send after restart: %+v, %v; want offset 4 in the same epoch", ack, err)
	}
}

// A client that comes back within the history window gets what it missed
// (recovered); one that was away longer gets recovered=false and the
// current history.
func TestResumeWithinAndBeyondTheWindow(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{HistorySize: 5})
	ctx := testnode.Ctx(t)
	sender := testnode.Dial(t, n.WS, "sender")
	if _, err := sender.Join(ctx, "window"); err != nil {
		t.Fatal(err)
	}
	var epoch string
	send := func(from, to int) {
		for i := from; i <= to; i++ {
			ack, err := sender.Send(ctx, "window", fmt.Sprint("m", i))
			if err != nil {
				t.Fatal(err)
			}
			epoch = ack.Epoch
		}
	}
	send(1, 2)
	back := testnode.Dial(t, n.WS, "back")
	rejoin := func(offset uint64) protocol.Event {
		t.Helper()
		back.Leave(ctx, "window")
		ev, err := back.Do(ctx, protocol.Command{Type: protocol.CmdJoin, Room: "window", Epoch: epoch, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	if _, err := back.Join(ctx, "window"); err != nil {
		t.Fatal(err)
	}
	send(3, 4)
	ev := rejoin(2)
	if !ev.Recovered || len(ev.Events) != 2 || ev.Events[0].Offset != 3 || ev.Events[1].Offset != 4 {
		t.Fatalf("resume from 2: recovered=%v events %+v, want recovered with 3 and 4", ev.Recovered, ev.Events)
	}
	send(5, 12) // the window of 5 now holds 8..12
	ev = rejoin(4)
	if ev.Recovered || len(ev.Events) != 5 || ev.Events[0].Offset != 8 || ev.Offset != 12 {
		t.Fatalf("resume from 4 beyond the window: recovered=%v first %d count %d, want recovered=false with 8..12", ev.Recovered, ev.Events[0].Offset, len(ev.Events))
	}
	// Another epoch (history lost) is never recovered.
	back.Leave(ctx, "window")
	ev, err := back.Do(ctx, protocol.Command{Type: protocol.CmdJoin, Room: "window", Epoch: "otherepoch", Offset: 12})
	if err != nil || ev.Recovered {
		t.Fatalf("resume in another epoch: recovered=%v, %v; want recovered=false", ev.Recovered, err)
	}
}

// When a room's history is lost (here: its subject purged from the
// JetStream stream behind the nodes' back), the next message starts a new
// epoch at offset 1; a Session resuming with the old epoch gets
// recovered=false with the new history, replaces its view, and from then
// on resumes in the new epoch.
func TestLostHistoryStartsNewEpoch(t *testing.T) {
	t.Parallel()
	ext := testnode.NATS(t, t.TempDir(), "127.0.0.1:-1")
	n := testnode.Start(t, server.Config{NATSURL: ext.ClientURL()})
	proxy := testnode.NewProxy(t, n.WS)
	const room = "amnesia"
	_, log := followRoom(t, client.SessionOptions{
		URLs: []string{proxy.WS}, Name: "reader",
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	}, room)
	sender := testnode.Dial(t, n.WS, "sender")
	if _, err := sender.Join(testnode.Ctx(t), room); err != nil {
		t.Fatal(err)
	}
	var oldEpoch string
	for _, text := range []string{"a", "b", "c"} {
		ack, err := sender.Send(testnode.Ctx(t), room, text)
		if err != nil {
			t.Fatal(err)
		}
		oldEpoch = ack.Epoch
	}
	waitFor(t, wait, "the reader to hold 1..3", func() bool { got, _, _ := log.snapshot(); return len(got) == 3 })

	// The reader is cut off and kept away (its new attempts wait in the
	// frozen proxy) while the room's history is lost and a new message
	// comes.
	proxy.Freeze()
	proxy.Cut()
	purgeRoom(t, ext.ClientURL(), room)
	d, err := sender.Send(testnode.Ctx(t), room, "d")
	if err != nil {
		t.Fatal(err)
	}
	if d.Epoch == oldEpoch || d.Epoch == "" || d.Offset != 1 {
		t.Fatalf("first message after the loss: epoch %q offset %d, want a new epoch (not %q) at offset 1", d.Epoch, d.Offset, oldEpoch)
	}
	proxy.Thaw()

	// The reader comes back with (old epoch, 3): not recoverable.
	waitFor(t, wait, "the reader to rejoin", func() bool { _, joins, _ := log.snapshot(); return joins == 2 })
	rejoin := log.joinedAnswers()[1]
	if rejoin.Recovered || rejoin.Epoch != d.Epoch || rejoin.Offset != 1 {
		t.Fatalf("rejoin after the loss: recovered=%v epoch %q offset %d, want recovered=false in epoch %q at 1",
			rejoin.Recovered, rejoin.Epoch, rejoin.Offset, d.Epoch)
	}
	if got, _, _ := log.snapshot(); !slices.Equal(got, []uint64{1}) {
		t.Fatalf("the reader holds %v after the rejoin, want [1]: the new history replaces the old", got)
	}
	// The session's position is now in the new epoch: the next message is
	// not taken for one it has, and a later reconnect resumes there.
	if _, err := sender.Send(testnode.Ctx(t), room, "e"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, wait, "the reader to hold [1 2]", func() bool { got, _, _ := log.snapshot(); return len(got) == 2 })
	proxy.Cut()
	if _, err := sender.Send(testnode.Ctx(t), room, "f"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, wait, "the reader to rejoin again", func() bool { got, joins, _ := log.snapshot(); return joins == 3 && len(got) == 3 })
	again := log.joinedAnswers()[2]
	if !again.Recovered || again.Epoch != d.Epoch {
		t.Fatalf("second rejoin: recovered=%v epoch %q, want recovered in epoch %q", again.Recovered, again.Epoch, d.Epoch)
	}
	if got, _, _ := log.snapshot(); !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Fatalf("the reader holds %v, want [1 2 3] of the new epoch", got)
	}
}

// A room whose history is lost while a session is in it: the first event
// of the new epoch makes the session rejoin, and the server's
// recovered=false answer replaces what it held, instead of mixing epochs.
func TestLostHistoryWhileConnected(t *testing.T) {
	t.Parallel()
	ext := testnode.NATS(t, t.TempDir(), "127.0.0.1:-1")
	n := testnode.Start(t, server.Config{NATSURL: ext.ClientURL()})
	const room = "amnesia-live"
	_, log := followRoom(t, client.SessionOptions{
		URLs: []string{n.WS}, Name: "reader",
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	}, room)
	sender := testnode.Dial(t, n.WS, "sender")
	if _, err := sender.Join(testnode.Ctx(t), room); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"a", "b", "c"} {
		if _, err := sender.Send(testnode.Ctx(t), room, text); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, wait, "the reader to hold 1..3", func() bool { got, _, _ := log.snapshot(); return len(got) == 3 })

	purgeRoom(t, ext.ClientURL(), room)
	d, err := sender.Send(testnode.Ctx(t), room, "d")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, wait, "the reader to rejoin", func() bool { _, joins, _ := log.snapshot(); return joins == 2 })
	rejoin := log.joinedAnswers()[1]
	if rejoin.Recovered || rejoin.Epoch != d.Epoch || rejoin.Offset != 1 {
		t.Fatalf("rejoin after the loss: recovered=%v epoch %q offset %d, want recovered=false in epoch %q at 1",
			rejoin.Recovered, rejoin.Epoch, rejoin.Offset, d.Epoch)
	}
	if _, err := sender.Send(testnode.Ctx(t), room, "e"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, wait, "the reader to hold [1 2]", func() bool { got, _, _ := log.snapshot(); return len(got) == 2 })
	if got, _, _ := log.snapshot(); !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("the reader holds %v, want [1 2] of the new epoch only", got)
	}
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
	waitFor(t, 30*time.Second, "/readyz to recover", func() bool { return readyz(t, n) == http.StatusOK })
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
	slow, _, err := websocket.Dial(ctx, n.WS, &websocket.DialOptions{Subprotocols: []string{protocol.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slow.CloseNow() })
	for _, f := range []string{`{"type":"hello","id":"h","name":"slow"}`, `{"type":"join","id":"j","room":"flood"}`} {
		if err := slow.Write(ctx, websocket.MessageText, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	ann := testnode.Dial(t, n.WS, "ann")
	bob := testnode.Dial(t, n.WS, "bob")
	for _, c := range []*client.Conn{ann, bob} {
		if _, err := c.Join(ctx, "flood"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, wait, "three connections", func() bool { return n.Connections() == 3 })
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
	waitFor(t, wait, "the slow client's close to be counted", func() bool {
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
	waitFor(t, 30*time.Second, "the reader to hold every message", func() bool {
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

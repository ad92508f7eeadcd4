// Package brokertest is the conformance suite of the hub's broker ports
// (hub.Broker): what every implementation must do, run against the NATS
// JetStream broker (package broker) and its in-memory twin (package
// broker/memory), so that hub tests on the twin say something about the
// real thing.
package brokertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Broker is what the suite tests: the hub's ports, and the upload and
// download of files (made by the HTTP API, outside the hub).
type Broker interface {
	hub.Broker
	hub.ActivityLog
	PutFile(ctx context.Context, meta hub.FileMeta, r io.Reader) (hub.FileMeta, error)
	OpenFile(ctx context.Context, id string) (hub.FileMeta, io.ReadCloser, error)
}

// Config is what a suite's test asks of the deployment it gets.
type Config struct {
	// Nodes is how many brokers, sharing one store and bus as the nodes
	// of a cluster do.
	Nodes int
	// HistorySize is how many events each room keeps.
	HistorySize int
}

// Start starts a deployment for one test (stopped by t.Cleanup).
type Start func(t *testing.T, cfg Config) []Broker

// Run runs the suite.
func Run(t *testing.T, start Start) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, Start)
	}{
		{"AppendReadPosition", appendReadPosition},
		{"Duplicates", duplicates},
		{"AppendAsyncKeepsOrder", appendAsyncKeepsOrder},
		{"ConcurrentNodes", concurrentNodes},
		{"Retention", retention},
		{"SubscribeAcrossNodes", subscribeAcrossNodes},
		{"Points", points},
		{"BansAndPrivacy", bansAndPrivacy},
		{"Deleted", deleted},
		{"Directory", directory},
		{"Files", files},
		{"ActivityTransitions", activityTransitions},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, start)
		})
	}
}

func ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func msg(text string) protocol.Event {
	return protocol.Event{Type: protocol.EvMessage, ID: "id-" + text, Text: text, User: &protocol.User{ID: "u1", Name: "ann"}, Time: 1733400000000}
}

// An empty room stands at zero; appends get offsets 1, 2, 3 in one epoch;
// reads return stored copies with their position, from any offset, up to
// a limit.
func appendReadPosition(t *testing.T, start Start) {
	b := start(t, Config{Nodes: 1})[0]
	if pos, err := b.Position(ctx(t), "empty"); err != nil || pos != (hub.Position{}) {
		t.Fatalf("empty room at %+v, %v; want zero", pos, err)
	}
	if evs, err := b.Read(ctx(t), "empty", 1, 10); err != nil || len(evs) != 0 {
		t.Fatalf("empty room read %v, %v", evs, err)
	}
	var epoch string
	for i, text := range []string{"one", "two", "three"} {
		ev, dup, err := b.Append(ctx(t), "r", "m"+text, msg(text))
		if err != nil || dup {
			t.Fatalf("append %s: dup %v, %v", text, dup, err)
		}
		if ev.Room != "r" || ev.Offset != uint64(i+1) || ev.Epoch == "" || (epoch != "" && ev.Epoch != epoch) || ev.Text != text {
			t.Fatalf("append %s stored as %+v (epoch before %q)", text, ev, epoch)
		}
		epoch = ev.Epoch
	}
	pos, err := b.Position(ctx(t), "r")
	if err != nil || pos != (hub.Position{Epoch: epoch, First: 1, Last: 3}) {
		t.Fatalf("position %+v, %v; want epoch %s, 1..3", pos, err, epoch)
	}
	for _, c := range []struct {
		from  uint64
		limit int
		want  []string
	}{
		{0, 10, []string{"one", "two", "three"}},
		{1, 10, []string{"one", "two", "three"}},
		{2, 10, []string{"two", "three"}},
		{1, 2, []string{"one", "two"}},
		{3, 1, []string{"three"}},
		{4, 10, nil},
		{1, 0, nil},
	} {
		evs, err := b.Read(ctx(t), "r", c.from, c.limit)
		if err != nil {
			t.Fatalf("read from %d: %v", c.from, err)
		}
		var got []string
		for _, ev := range evs {
			if ev.Room != "r" || ev.Epoch != epoch || ev.User == nil || ev.User.Name != "ann" || ev.Time != 1733400000000 {
				t.Errorf("read from %d: %+v", c.from, ev)
			}
			got = append(got, ev.Text)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("read from %d, limit %d: %v, want %v", c.from, c.limit, got, c.want)
		}
	}
	// A reader gets its own copy.
	evs, _ := b.Read(ctx(t), "r", 1, 1)
	evs[0].User.Name = "changed"
	again, _ := b.Read(ctx(t), "r", 1, 1)
	if again[0].User.Name != "ann" {
		t.Error("a read changed what is stored")
	}
}

// The same message id answers the first stored event, marked duplicate,
// from any node; nothing new is stored.
func duplicates(t *testing.T, start Start) {
	nodes := start(t, Config{Nodes: 2})
	first, dup, err := nodes[0].Append(ctx(t), "d", "same", msg("first"))
	if err != nil || dup {
		t.Fatalf("first append: dup %v, %v", dup, err)
	}
	for _, b := range nodes {
		again, dup, err := b.Append(ctx(t), "d", "same", msg("second"))
		if err != nil || !dup || again.Offset != first.Offset || again.Epoch != first.Epoch || again.Text != "first" {
			t.Fatalf("retry: %+v dup %v, %v; want the first copy, duplicate", again, dup, err)
		}
	}
	other, dup, err := nodes[1].Append(ctx(t), "d", "other", msg("other"))
	if err != nil || dup || other.Offset != first.Offset+1 {
		t.Fatalf("another id: %+v dup %v, %v", other, dup, err)
	}
	// The same id in another room is another message.
	if _, dup, err := nodes[0].Append(ctx(t), "d2", "same", msg("elsewhere")); err != nil || dup {
		t.Fatalf("same id, other room: dup %v, %v", dup, err)
	}
}

// AppendAsync answers every append, off the caller's goroutine, and one
// caller's appends to a room are stored in the order made.
func appendAsyncKeepsOrder(t *testing.T, start Start) {
	b := start(t, Config{Nodes: 1})[0]
	const n = 100
	var mu sync.Mutex
	got := make(map[string]uint64)
	all := make(chan struct{})
	for i := range n {
		text := fmt.Sprint("a", i)
		b.AppendAsync("async", "m"+text, msg(text), func(ev protocol.Event, dup bool, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil || dup {
				t.Errorf("append %s: dup %v, %v", text, dup, err)
			}
			got[text] = ev.Offset
			if len(got) == n {
				close(all)
			}
		})
	}
	select {
	case <-all:
	case <-ctx(t).Done():
		t.Fatal("not every append was answered")
	}
	evs, err := b.Read(ctx(t), "async", 1, 2*n)
	if err != nil || len(evs) != n {
		t.Fatalf("read %d events, %v; want %d", len(evs), err, n)
	}
	for i, ev := range evs {
		if want := fmt.Sprint("a", i); ev.Text != want || got[want] != ev.Offset || ev.Offset != uint64(i+1) {
			t.Fatalf("offset %d holds %q (answered %d), want %q", ev.Offset, ev.Text, got[want], want)
		}
	}
}

// Nodes appending to one room at once get distinct, gapless offsets.
func concurrentNodes(t *testing.T, start Start) {
	nodes := start(t, Config{Nodes: 3})
	const each = 20
	var wg sync.WaitGroup
	for i, b := range nodes {
		wg.Go(func() {
			for j := range each {
				text := fmt.Sprintf("n%d-%d", i, j)
				if _, _, err := b.Append(ctx(t), "busy", text, msg(text)); err != nil {
					t.Errorf("append %s: %v", text, err)
				}
			}
		})
	}
	wg.Wait()
	evs, err := nodes[0].Read(ctx(t), "busy", 1, 1000)
	if err != nil || len(evs) != each*len(nodes) {
		t.Fatalf("read %d, %v; want %d", len(evs), err, each*len(nodes))
	}
	seen := make(map[string]bool)
	for i, ev := range evs {
		if ev.Offset != uint64(i+1) || seen[ev.Text] || ev.Epoch != evs[0].Epoch {
			t.Fatalf("event %d: %+v (seen before: %v)", i, ev, seen[ev.Text])
		}
		seen[ev.Text] = true
	}
}

// A room keeps its last HistorySize events: the first retained offset
// moves on, offsets do not restart.
func retention(t *testing.T, start Start) {
	b := start(t, Config{Nodes: 1, HistorySize: 3})[0]
	for i := range 5 {
		text := fmt.Sprint("k", i)
		if _, _, err := b.Append(ctx(t), "kept", text, msg(text)); err != nil {
			t.Fatal(err)
		}
	}
	pos, err := b.Position(ctx(t), "kept")
	if err != nil || pos.First != 3 || pos.Last != 5 {
		t.Fatalf("position %+v, %v; want 3..5", pos, err)
	}
	evs, err := b.Read(ctx(t), "kept", 1, 10)
	if err != nil || len(evs) != 3 || evs[0].Offset != 3 || evs[0].Text != "k2" {
		t.Fatalf("read from 1: %+v, %v; want offsets 3..5", evs, err)
	}
}

// recorder keeps what a subscription delivers.
type recorder struct {
	mu        sync.Mutex
	events    []protocol.Event
	presence  []hub.Presence
	ephemeral []protocol.Event
	points    []protocol.Event
}

func (r *recorder) handlers(points bool) hub.RoomHandlers {
	h := hub.RoomHandlers{
		Event:     func(ev protocol.Event) { r.mu.Lock(); r.events = append(r.events, ev); r.mu.Unlock() },
		Presence:  func(p hub.Presence) { r.mu.Lock(); r.presence = append(r.presence, p); r.mu.Unlock() },
		Ephemeral: func(ev protocol.Event) { r.mu.Lock(); r.ephemeral = append(r.ephemeral, ev); r.mu.Unlock() },
	}
	if points {
		h.Points = func(ev protocol.Event) { r.mu.Lock(); r.points = append(r.points, ev); r.mu.Unlock() }
	}
	return h
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// A subscription on one node receives what any node stores in the room
// (with its position, in offset order), announces and relays, and nothing
// of other rooms.
func subscribeAcrossNodes(t *testing.T, start Start) {
	nodes := start(t, Config{Nodes: 2})
	var on0, on1 recorder
	for i, r := range []*recorder{&on0, &on1} {
		sub, err := nodes[i].Subscribe("live", r.handlers(false))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Unsubscribe() })
	}
	const n = 30
	for i := range n {
		text := fmt.Sprint("l", i)
		if _, _, err := nodes[i%2].Append(ctx(t), "live", text, msg(text)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := nodes[0].Append(ctx(t), "elsewhere", "x", msg("x")); err != nil {
		t.Fatal(err)
	}
	join := hub.Presence{Node: "n1", Op: hub.PresenceJoin, Conn: "c1", User: protocol.User{ID: "u2", Name: "bob"}}
	if err := nodes[1].Announce("live", join); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].Relay("live", protocol.Event{Type: protocol.EvTyping, Room: "live", User: &protocol.User{ID: "u2", Name: "bob"}}); err != nil {
		t.Fatal(err)
	}
	for i, r := range []*recorder{&on0, &on1} {
		waitFor(t, fmt.Sprintf("node %d's subscription to get everything", i), func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return len(r.events) >= n && len(r.presence) >= 1 && len(r.ephemeral) >= 1
		})
		r.mu.Lock()
		for j, ev := range r.events {
			if ev.Room != "live" || ev.Offset != uint64(j+1) || ev.Text != fmt.Sprint("l", j) || ev.Epoch == "" {
				t.Errorf("node %d: event %d is %+v", i, j, ev)
			}
		}
		if len(r.events) != n {
			t.Errorf("node %d got %d events, want %d", i, len(r.events), n)
		}
		if p := r.presence[0]; p.Node != "n1" || p.Op != hub.PresenceJoin || p.User.Name != "bob" || p.Conn != "c1" {
			t.Errorf("node %d: presence %+v", i, p)
		}
		if ev := r.ephemeral[0]; ev.Type != protocol.EvTyping || ev.User == nil || ev.User.Name != "bob" {
			t.Errorf("node %d: relayed %+v", i, ev)
		}
		r.mu.Unlock()
	}
}

// Feed points have their own log (own offsets, own epoch) and reach the
// subscriptions that asked for them.
func points(t *testing.T, start Start) {
	nodes := start(t, Config{Nodes: 2})
	var with, without recorder
	for i, r := range []*recorder{&with, &without} {
		sub, err := nodes[i].Subscribe("feed", r.handlers(i == 0))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Unsubscribe() })
	}
	if _, _, err := nodes[1].Append(ctx(t), "feed", "msg", msg("a message")); err != nil {
		t.Fatal(err)
	}
	pt := protocol.Event{Type: protocol.EvPoints, Points: []protocol.Point{{Series: "cpu", Value: 0.5, Time: 1733400000000}}}
	stored, dup, err := nodes[1].Points().Append(ctx(t), "feed", "p1", pt)
	if err != nil || dup || stored.Offset != 1 || stored.Room != "feed" {
		t.Fatalf("points append: %+v dup %v, %v", stored, dup, err)
	}
	waitFor(t, "the point and the message", func() bool {
		with.mu.Lock()
		defer with.mu.Unlock()
		return len(with.points) == 1 && len(with.events) == 1
	})
	with.mu.Lock()
	if p := with.points[0]; p.Offset != 1 || len(p.Points) != 1 || p.Points[0].Value != 0.5 {
		t.Errorf("point delivered as %+v", p)
	}
	with.mu.Unlock()
	pos, err := nodes[0].Points().Position(ctx(t), "feed")
	if err != nil || pos.First != 1 || pos.Last != 1 {
		t.Errorf("points position %+v, %v", pos, err)
	}
	if evs, err := nodes[0].Points().Read(ctx(t), "feed", 1, 10); err != nil || len(evs) != 1 || evs[0].Type != protocol.EvPoints {
		t.Errorf("points read %+v, %v", evs, err)
	}
	waitFor(t, "the message on the other node", func() bool {
		without.mu.Lock()
		defer without.mu.Unlock()
		return len(without.events) == 1
	})
	without.mu.Lock()
	if len(without.points) != 0 {
		t.Errorf("a subscription without a Points handler got %d points", len(without.points))
	}
	without.mu.Unlock()
}

// Bans and privacy hold on every node.
func bansAndPrivacy(t *testing.T, start Start) {
	nodes := start(t, Config{Nodes: 2})
	until := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	if err := nodes[0].Ban(ctx(t), "mod", "troll", until); err != nil {
		t.Fatal(err)
	}
	if got, err := nodes[1].BannedUntil(ctx(t), "mod", "troll"); err != nil || !got.Equal(until) {
		t.Errorf("banned until %v, %v; want %v", got, err, until)
	}
	for _, c := range [][2]string{{"mod", "nice"}, {"other", "troll"}} {
		if got, err := nodes[1].BannedUntil(ctx(t), c[0], c[1]); err != nil || !got.IsZero() {
			t.Errorf("%s in %s banned until %v, %v; want never", c[1], c[0], got, err)
		}
	}
	if p, err := nodes[1].Private(ctx(t), "secret"); err != nil || p {
		t.Errorf("a room nobody declared is private: %v, %v", p, err)
	}
	for _, want := range []bool{true, false, false} {
		if err := nodes[0].SetPrivate(ctx(t), "secret", want); err != nil {
			t.Fatal(err)
		}
		if p, err := nodes[1].Private(ctx(t), "secret"); err != nil || p != want {
			t.Errorf("private %v, %v; want %v", p, err, want)
		}
	}
}

// A message's deletion is known on every node, for that message only.
func deleted(t *testing.T, start Start) {
	nodes := start(t, Config{Nodes: 2})
	if d, err := nodes[1].Deleted(ctx(t), "room", 7); err != nil || d {
		t.Errorf("a message nobody deleted: deleted %v, %v", d, err)
	}
	if err := nodes[0].MarkDeleted(ctx(t), "room", 7); err != nil {
		t.Fatal(err)
	}
	if d, err := nodes[1].Deleted(ctx(t), "room", 7); err != nil || !d {
		t.Errorf("deleted %v, %v; want true on the other node", d, err)
	}
	for _, c := range []struct {
		room   string
		offset uint64
	}{{"room", 8}, {"room", 70}, {"other", 7}, {"roo", 7}} {
		if d, err := nodes[1].Deleted(ctx(t), c.room, c.offset); err != nil || d {
			t.Errorf("message %d of %q: deleted %v, %v; want false", c.offset, c.room, d, err)
		}
	}
}

// Every node's directory report reaches every directory subscription.
func directory(t *testing.T, start Start) {
	nodes := start(t, Config{Nodes: 2})
	var mu sync.Mutex
	var got []hub.DirectoryReport
	sub, err := nodes[0].SubscribeDirectory(func(r hub.DirectoryReport) { mu.Lock(); got = append(got, r); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	if err := nodes[1].PublishDirectory(hub.DirectoryReport{Node: "n1", Rooms: map[string]int{"lobby": 3}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the report", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	if r := got[0]; r.Node != "n1" || r.Rooms["lobby"] != 3 {
		t.Errorf("report %+v", r)
	}
}

// A stored file is known on every node, with its size; an unknown id is
// ErrFileNotFound.
func files(t *testing.T, start Start) {
	nodes := start(t, Config{Nodes: 2})
	if _, err := nodes[0].FileInfo(ctx(t), "nothing"); !errors.Is(err, hub.ErrFileNotFound) {
		t.Errorf("unknown file: %v, want ErrFileNotFound", err)
	}
	meta := hub.FileMeta{Attachment: protocol.Attachment{ID: "f1", Name: "a.txt", Type: "text/plain"}, Room: "r", User: "u1"}
	content := []byte("hello, file")
	stored, err := nodes[0].PutFile(ctx(t), meta, bytes.NewReader(content))
	if err != nil || stored.Size != int64(len(content)) {
		t.Fatalf("put: %+v, %v", stored, err)
	}
	want := meta
	want.Size = int64(len(content))
	if got, err := nodes[1].FileInfo(ctx(t), "f1"); err != nil || got != want {
		t.Errorf("file info %+v, %v; want %+v", got, err, want)
	}
	got, r, err := nodes[1].OpenFile(ctx(t), "f1")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(data, content) || got != want {
		t.Errorf("open: %+v %q, %v", got, data, err)
	}
}

// A transition is stored once, whichever of several nodes stores it at the
// same time; the same state again is not a transition; states alternate
// per subject (a person in a room, or the room), independently of each
// other; only room activity types are stored; kicks are recorded.
func activityTransitions(t *testing.T, start Start) {
	nodes := start(t, Config{Nodes: 3})
	ann := &protocol.User{ID: "u-ann", Name: "ann"}
	joined := protocol.Event{Type: protocol.EvMemberJoined, User: ann, ID: "a1"}
	var stored sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for _, b := range nodes {
		stored.Go(func() {
			ok, err := b.Transition(ctx(t), "act", ann.ID, joined)
			if err != nil {
				t.Errorf("transition: %v", err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	stored.Wait()
	if wins != 1 {
		t.Fatalf("three nodes storing one joined: %d stored it, want 1", wins)
	}
	for i, c := range []struct {
		b       Broker
		subject string
		typ     protocol.EventType
		want    bool
	}{
		{nodes[1], ann.ID, protocol.EvMemberJoined, false}, // still joined
		{nodes[1], "u-bob", protocol.EvMemberJoined, true}, // another person
		{nodes[2], "", protocol.EvRoomOccupied, true},      // the room itself
		{nodes[0], ann.ID, protocol.EvMemberLeft, true},
		{nodes[2], ann.ID, protocol.EvMemberLeft, false},
		{nodes[2], ann.ID, protocol.EvMemberJoined, true},
		{nodes[0], "", protocol.EvRoomOccupied, false},
		{nodes[0], "", protocol.EvRoomVacated, true},
	} {
		ev := protocol.Event{Type: c.typ, ID: fmt.Sprint(i)}
		if c.subject != "" {
			ev.User = &protocol.User{ID: c.subject, Name: c.subject[2:]}
		}
		ok, err := c.b.Transition(ctx(t), "act", c.subject, ev)
		if err != nil || ok != c.want {
			t.Errorf("step %d: %s of %q: stored %v, %v; want %v", i, c.typ, c.subject, ok, err, c.want)
		}
	}
	// What is stored is what the sweep reads back: the people joined, the
	// rooms occupied.
	if ok, err := nodes[2].Transition(ctx(t), "busy", "", protocol.Event{Type: protocol.EvRoomOccupied}); !ok || err != nil {
		t.Fatalf("occupy busy: %v %v", ok, err)
	}
	rooms, err := nodes[1].Occupied(ctx(t))
	if err != nil || !slices.Equal(rooms, []string{"busy"}) {
		t.Errorf("occupied rooms: %v %v, want [busy]", rooms, err)
	}
	people, err := nodes[1].Present(ctx(t), "act")
	names := []string{}
	for _, u := range people {
		names = append(names, u.Name)
	}
	slices.Sort(names)
	if err != nil || !slices.Equal(names, []string{"ann", "bob"}) {
		t.Errorf("people present in act: %v %v, want ann and bob", names, err)
	}
	if _, err := nodes[0].Transition(ctx(t), "act", ann.ID, msg("not activity")); err == nil {
		t.Error("a message was stored as a transition")
	}
	kick := protocol.Event{Type: protocol.EvMemberKicked, User: ann, By: &protocol.User{ID: "u-mod", Name: "mod"}, Text: "spam"}
	for range 2 {
		if err := nodes[1].Record(ctx(t), "act", "conn-1/k1", kick); err != nil {
			t.Fatalf("record a kick: %v", err)
		}
	}
	if err := nodes[1].Record(ctx(t), "act", "conn-1/m1", msg("not activity")); err == nil {
		t.Error("a message was recorded as activity")
	}
}

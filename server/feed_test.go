package server_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// feedLog records what a Session delivers of one room's feed.
type feedLog struct {
	mu      sync.Mutex
	offsets []uint64  // feed offsets in the order they arrived, answers' events included
	values  []float64 // the first point's value of each
	answers []protocol.Event
}

func (l *feedLog) apply(ev protocol.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	events := []protocol.Event{ev}
	switch ev.Type {
	case protocol.EvFeed:
		l.answers = append(l.answers, ev)
		if !ev.Recovered {
			l.offsets, l.values = nil, nil
		}
		events = ev.Events
	case protocol.EvPoints:
	default:
		return
	}
	for _, e := range events {
		l.offsets = append(l.offsets, e.Offset)
		l.values = append(l.values, e.Points[0].Value)
	}
}

func (l *feedLog) snapshot() ([]uint64, []float64, []protocol.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]uint64(nil), l.offsets...), append([]float64(nil), l.values...), append([]protocol.Event(nil), l.answers...)
}

func point(v float64) protocol.Point {
	return protocol.Point{Series: "BTC", Value: v, Unit: "USD"}
}

// Points published to a room's feed reach a watching Session in order, and
// after the server restarts the Session resumes the feed from its position:
// every point once, none twice.
func TestFeedInOrderAndResumedAfterRestart(t *testing.T) {
	t.Parallel()
	const room = "feed-prices"
	r := testnode.StartRestartable(t, server.Config{FeedRooms: []string{"feed-*"}})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	s := client.NewSession(client.SessionOptions{
		URLs: []string{r.WS}, Name: "watcher",
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	})
	log := &feedLog{}
	wg.Go(func() { s.Run(ctx) })
	wg.Go(func() {
		for ev := range s.Events() {
			if ev.Room == room {
				log.apply(ev)
			}
		}
	})
	s.Feed(room)
	testnode.WaitFor(t, wait, "the feed answer", func() bool { _, _, a := log.snapshot(); return len(a) == 1 })

	publish := func(from, to int) {
		t.Helper()
		pub := testnode.Dial(t, r.WS, "publisher")
		for v := from; v <= to; v++ {
			if _, err := pub.PublishPoints(testnode.Ctx(t), room, point(float64(v))); err != nil {
				t.Fatalf("publish %d: %v", v, err)
			}
		}
		pub.Close()
	}
	publish(1, 3)
	testnode.WaitFor(t, wait, "points 1..3", func() bool { o, _, _ := log.snapshot(); return len(o) >= 3 })

	r.Stop()
	r.Start()
	publish(4, 6)
	// Published through the server's own entry point (the HTTP API's).
	if _, err := r.Node().PublishPoints(testnode.Ctx(t), room, "", []protocol.Point{point(7)}); err != nil {
		t.Fatalf("PublishPoints: %v", err)
	}
	testnode.WaitFor(t, wait, "points 4..7 after the restart", func() bool { o, _, _ := log.snapshot(); return len(o) >= 7 })

	offsets, values, answers := log.snapshot()
	for i := range offsets {
		if offsets[i] != uint64(i+1) || values[i] != float64(i+1) {
			t.Fatalf("feed offsets %v values %v, want 1..7 once each, in order", offsets, values)
		}
	}
	if len(answers) != 2 || !answers[1].Recovered {
		t.Fatalf("feed answers %+v, want a second one that recovered", answers)
	}
}

// Who may publish: nobody by default in an ordinary room, anyone in a room
// open to feeds, publishers by token; the feed needs a join, and members
// who did not ask for the feed get no points.
func TestFeedPermissions(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, withTokens(server.Config{FeedRooms: []string{"open-*"}}))
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	bob := testnode.Dial(t, n.WS, "bob")

	_, err := ann.PublishPoints(ctx, "closed", point(1))
	var perr *protocol.Error
	if !errors.As(err, &perr) || perr.Code != protocol.CodeForbidden {
		t.Fatalf("publish to an ordinary room: %v, want forbidden", err)
	}
	if _, err := ann.Feed(ctx, "closed"); !errors.As(err, &perr) || perr.Code != protocol.CodeNotJoined {
		t.Fatalf("feed without joining: %v, want not_joined", err)
	}
	ack, err := ann.PublishPoints(ctx, "open-1", point(1), point(2))
	if err != nil || ack.Offset != 1 || ack.Epoch == "" {
		t.Fatalf("publish to an open room: %+v, %v; want offset 1", ack, err)
	}

	pub := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "p1", "name": "ticker", "role": protocol.RolePublisher})})
	joinRoom := func(c *client.Conn, room string) {
		t.Helper()
		if _, err := c.Join(ctx, room); err != nil {
			t.Fatalf("join %s: %v", room, err)
		}
	}
	joinRoom(ann, "closed")
	joinRoom(bob, "closed")
	ans, err := ann.Feed(ctx, "closed")
	if err != nil || ans.Type != protocol.EvFeed || ans.Epoch != protocol.EpochNone || len(ans.Events) != 0 {
		t.Fatalf("feed of an empty room: %+v, %v", ans, err)
	}
	if _, err := pub.PublishPoints(ctx, "closed", point(42)); err != nil {
		t.Fatalf("publisher: %v", err)
	}
	got, _ := testnode.WaitEvent(t, ann, wait, "the publisher's point", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPoints && ev.Room == "closed"
	})
	if got.Offset != 1 || got.User == nil || got.User.Name != "ticker" || len(got.Points) != 1 || got.Points[0].Value != 42 || got.Points[0].Time == 0 {
		t.Fatalf("point event %+v, want offset 1 from ticker with value 42 and a time", got)
	}
	// bob is in the room but did not ask for its feed.
	sendGo := func() {
		if _, err := ann.Send(ctx, "closed", "probe"); err != nil {
			t.Fatal(err)
		}
	}
	sendGo()
	testnode.NoEvent(t, bob, "a feed event", func(ev protocol.Event) bool { return ev.Type == protocol.EvPoints },
		isMessage("closed", "probe"))

	// A second look at the feed gets its history.
	ans, err = bob.Feed(ctx, "closed")
	if err != nil || len(ans.Events) != 1 || ans.Events[0].Points[0].Value != 42 || ans.Offset != 1 {
		t.Fatalf("bob's feed answer %+v, %v; want the one stored point", ans, err)
	}
}

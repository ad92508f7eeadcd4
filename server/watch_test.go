package server_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// A connection that joins with watch (a room list following unread
// counts) gets the room's messages and may read its history, but is not
// present there: no presence event, not among the members or the count,
// no leave when it goes, and it may not post. Joining the same room
// without watch then makes it present.
func TestWatchIsNotPresence(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	bob := testnode.Dial(t, n.WS, "bob")
	cat := testnode.Dial(t, n.WS, "cat")
	if _, err := ann.Join(ctx, "lobby"); err != nil {
		t.Fatal(err)
	}

	watched, err := bob.Do(ctx, protocol.Command{Type: protocol.CmdJoin, Room: "lobby", Watch: true})
	if err != nil {
		t.Fatalf("bob watch: %v", err)
	}
	if watched.Type != protocol.EvJoined || watched.Count != 1 || len(watched.Members) != 1 || watched.Members[0].Name != "ann" {
		t.Fatalf("bob's joined (watch): %+v, want count 1 and only ann", watched)
	}
	if _, err := ann.Send(ctx, "lobby", "hello"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, bob, wait, "ann's message, watching", isMessage("lobby", "hello"))

	// cat's join is the probe: ann sees cat arrive, count 2, never bob.
	if _, err := cat.Join(ctx, "lobby"); err != nil {
		t.Fatal(err)
	}
	testnode.NoEvent(t, ann, "bob's presence", presenceOf("bob"), func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Joined) == 1 && ev.Joined[0].Name == "cat" && ev.Count == 2
	})

	_, err = bob.Send(ctx, "lobby", "from a watcher")
	wantCode(t, err, protocol.CodeNotJoined)
	page, err := bob.Do(ctx, protocol.Command{Type: protocol.CmdHistory, Room: "lobby", Limit: 10})
	if err != nil || len(page.Events) != 1 || page.Events[0].Text != "hello" {
		t.Fatalf("a watcher's history: %+v, %v; want ann's message", page, err)
	}

	// Watching, then entering: bob is present now.
	if _, err := bob.Join(ctx, "lobby"); err != nil {
		t.Fatalf("bob join after watch: %v", err)
	}
	testnode.WaitEvent(t, ann, wait, "bob entering", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Joined) == 1 && ev.Joined[0].Name == "bob" && ev.Count == 3
	})

	// A watcher going away: no leave. dan watches and closes; cat's leave
	// is the probe.
	dan := testnode.Dial(t, n.WS, "dan")
	if _, err := dan.Do(ctx, protocol.Command{Type: protocol.CmdJoin, Room: "lobby", Watch: true}); err != nil {
		t.Fatal(err)
	}
	dan.Close()
	cat.Close()
	testnode.NoEvent(t, ann, "dan's presence", presenceOf("dan"), func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Left) == 1 && ev.Left[0].Name == "cat" && ev.Count == 2
	})
}

// presenceOf matches a presence event that has name joining or leaving.
func presenceOf(name string) func(protocol.Event) bool {
	return func(ev protocol.Event) bool {
		if ev.Type != protocol.EvPresence {
			return false
		}
		for _, u := range append(ev.Joined, ev.Left...) {
			if u.Name == name {
				return true
			}
		}
		return false
	}
}

// A Session that watches a room follows it without presence; Join on the
// same room then enters it (present).
func TestSessionWatchThenJoin(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	if _, err := ann.Join(ctx, "lobby"); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	s := client.NewSession(client.SessionOptions{URLs: []string{n.WS}, Name: "sam"})
	var mu sync.Mutex
	var got []protocol.Event
	wg.Go(func() { s.Run(sctx) })
	wg.Go(func() {
		for ev := range s.Events() {
			if ev.Room == "lobby" {
				mu.Lock()
				got = append(got, ev)
				mu.Unlock()
			}
		}
	})
	seen := func(match func(protocol.Event) bool) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			return slices.ContainsFunc(got, match)
		}
	}
	s.Watch("lobby")
	testnode.WaitFor(t, wait, "the session's joined (watch)", seen(func(ev protocol.Event) bool {
		return ev.Type == protocol.EvJoined && ev.Count == 1
	}))
	if _, err := ann.Send(ctx, "lobby", "probe"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitFor(t, wait, "ann's message to the watching session", seen(isMessage("lobby", "probe")))
	testnode.NoEvent(t, ann, "sam's presence while watching", presenceOf("sam"), isMessage("lobby", "probe"))

	s.Join("lobby")
	testnode.WaitEvent(t, ann, wait, "sam entering", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Joined) == 1 && ev.Joined[0].Name == "sam"
	})
}

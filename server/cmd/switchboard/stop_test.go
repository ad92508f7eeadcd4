package main

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// serveUntil runs `switchboard serve` with args on a free port until stop
// is called (as SIGTERM would: main cancels run's context), and returns its
// ws:// endpoint and stop, which returns run's error.
func serveUntil(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "data"), "--web-dir", "none"}, args...)
	go func() {
		done <- run(ctx, args, func(string) string { return "" }, pw, io.Discard)
		pw.Close()
	}()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { stop() })
	line, rerr := bufio.NewReader(pr).ReadString('\n')
	if rerr != nil {
		t.Fatalf("no address from serve: %v", rerr)
	}
	go io.Copy(io.Discard, pr)
	base := strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, "Switchboard is serving at ")), "/")
	return "ws" + strings.TrimPrefix(base, "http") + "/ws", stop
}

// Stopping `serve` (SIGTERM) closes its connections with 1001; a client
// given both nodes' URLs moves to the other one and resumes the room with
// nothing lost.
func TestServeStopMovesClients(t *testing.T) {
	ext := testnode.NATS(t, t.TempDir(), "127.0.0.1:-1")
	a, stopA := serveUntil(t, "--nats-url", ext.ClientURL(), "--node", "a", "--demo-feed=false")
	b, _ := serveUntil(t, "--nats-url", ext.ClientURL(), "--node", "b", "--demo-feed=false")

	var mu sync.Mutex
	var states []client.State
	var offsets []uint64
	var joins []protocol.Event
	s := client.NewSession(client.SessionOptions{
		URLs: []string{a, b}, Name: "mover",
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		OnState: func(st client.State) { mu.Lock(); states = append(states, st); mu.Unlock() },
	})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	wg.Go(func() { s.Run(ctx) })
	wg.Go(func() {
		for ev := range s.Events() {
			mu.Lock()
			switch ev.Type {
			case protocol.EvJoined:
				joins = append(joins, ev)
				for _, e := range ev.Events {
					offsets = append(offsets, e.Offset)
				}
			case protocol.EvMessage:
				offsets = append(offsets, ev.Offset)
			}
			mu.Unlock()
		}
	})
	s.Join("bye")
	poll := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			mu.Lock()
			ok := cond()
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: not within 20 s", what)
			}
			select {
			case <-time.After(10 * time.Millisecond):
			case <-ctx.Done():
			}
		}
	}
	poll("the join on node a", func() bool { return len(joins) == 1 && s.State().URL == a })

	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	sender, err := client.Dial(sctx, b, client.Options{Name: "sender"})
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	if _, err := sender.Join(sctx, "bye"); err != nil {
		t.Fatal(err)
	}
	if _, err := sender.Send(sctx, "bye", "before"); err != nil {
		t.Fatal(err)
	}
	poll("the first message", func() bool { return len(offsets) == 1 })

	if err := stopA(); err != nil {
		t.Fatalf("serve on node a: %v", err)
	}
	poll("the session to leave node a", func() bool {
		return slices.ContainsFunc(states, func(st client.State) bool { return st.Phase == client.Reconnecting })
	})
	mu.Lock()
	i := slices.IndexFunc(states, func(st client.State) bool { return st.Phase == client.Reconnecting })
	code := client.CloseCode(states[i].Err)
	mu.Unlock()
	if code != protocol.CloseGoingAway {
		t.Fatalf("node a's stop closed the session with %d (%v), want %d (going away)", code, states[i].Err, protocol.CloseGoingAway)
	}
	if _, err := sender.Send(sctx, "bye", "after"); err != nil {
		t.Fatal(err)
	}
	poll("the session to resume on node b", func() bool { return len(joins) == 2 && len(offsets) == 2 })
	mu.Lock()
	defer mu.Unlock()
	if !joins[1].Recovered || s.State().URL != b || !slices.Equal(offsets, []uint64{1, 2}) {
		t.Fatalf("after the stop: recovered=%v on %s with offsets %v, want recovered on %s with [1 2]", joins[1].Recovered, s.State().URL, offsets, b)
	}
}

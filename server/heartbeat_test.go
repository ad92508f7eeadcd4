package server_test

import (
	"sync"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
)

// stateLog records a Session's state changes.
type stateLog struct {
	mu     sync.Mutex
	states []client.State
	at     []time.Time
}

func (l *stateLog) add(st client.State) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.states = append(l.states, st)
	l.at = append(l.at, time.Now())
}

// since returns the states entered after the first i, and when.
func (l *stateLog) since(i int) ([]client.State, []time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i > len(l.states) {
		i = len(l.states)
	}
	return append([]client.State(nil), l.states[i:]...), append([]time.Time(nil), l.at[i:]...)
}

func (l *stateLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.states)
}

// A Session whose server goes silent (the network stops carrying bytes but
// closes nothing, so no read or write fails) notices by its own protocol
// ping going unanswered, drops the connection and reconnects, then resumes
// the room with what it missed. The node's own heartbeat is set far beyond
// the test, so only the client's ping can end the silent connection.
func TestSessionReconnectsWhenServerGoesSilent(t *testing.T) {
	t.Parallel()
	const pingInterval, pingTimeout = 100 * time.Millisecond, 300 * time.Millisecond
	n := testnode.Start(t, server.Config{PingInterval: 10 * time.Minute, PongTimeout: 10 * time.Minute})
	proxy := testnode.NewProxy(t, n.WS)
	const room = "silence"
	states := &stateLog{}
	s, log := followRoom(t, client.SessionOptions{
		URLs: []string{proxy.WS}, Name: "listener",
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		PingInterval: pingInterval, PingTimeout: pingTimeout,
		OnState: states.add,
	}, room)

	sender := testnode.Dial(t, n.WS, "sender")
	if _, err := sender.Join(testnode.Ctx(t), room); err != nil {
		t.Fatal(err)
	}
	if _, err := sender.Send(testnode.Ctx(t), room, "before"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitFor(t, wait, "the first message", func() bool { got, _, _ := log.snapshot(); return len(got) == 1 })
	_, _, resumedBefore := log.snapshot()
	if st := s.State(); st.Phase != client.Connected {
		t.Fatalf("state %v before the silence, want connected", st.Phase)
	}

	mark := states.len()
	proxy.Freeze()
	frozen := time.Now()
	// The session gives up on the silent connection after an unanswered
	// ping: within the ping interval and its timeout (it drops the
	// connection without waiting for a closing handshake that cannot
	// come), plus slack for a loaded machine.
	const bound = pingInterval + pingTimeout + 2*time.Second
	var left time.Duration
	testnode.WaitFor(t, bound+5*time.Second, "the session to leave the silent connection", func() bool {
		list, at := states.since(mark)
		for i, st := range list {
			if st.Phase != client.Connected {
				left = at[i].Sub(frozen)
				t.Logf("after %v of silence: %v (%v)", left.Round(time.Millisecond), st.Phase, st.Err)
				return true
			}
		}
		return false
	})
	if left > bound {
		t.Errorf("the session left the silent connection after %v, want within %v", left, bound)
	}
	// A message stored meanwhile arrives after the reconnect.
	if _, err := sender.Send(testnode.Ctx(t), room, "during"); err != nil {
		t.Fatal(err)
	}
	proxy.Thaw()
	testnode.WaitFor(t, wait, "the session to reconnect and resume", func() bool {
		got, joins, resumed := log.snapshot()
		return len(got) == 2 && joins >= 2 && resumed > resumedBefore && s.State().Phase == client.Connected
	})
	got, joins, resumed := log.snapshot()
	if got[0] != 1 || got[1] != 2 {
		t.Fatalf("offsets %v, want [1 2]", got)
	}
	t.Logf("%d joins (%d recovered), reconnected %v after the silence began", joins, resumed, time.Since(frozen).Round(time.Millisecond))
}

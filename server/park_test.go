package server_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Idle connections' readers park without a goroutine each (on Linux), and a
// parked reader comes back for everything that can happen to its
// connection: a command, a peer that vanishes without a close frame, a
// client's close, and the server's shutdown.
func TestIdleReadersPark(t *testing.T) {
	t.Parallel()
	// Off Linux readers wait on their goroutines: nothing parks, and the
	// rest holds all the same.
	parked := func(n int) int {
		if runtime.GOOS != "linux" {
			return 0
		}
		return n
	}
	n := testnode.Start(t, server.Config{PingInterval: 10 * time.Minute, HandshakesPerSecond: 1000})
	const idle = 20
	conns := make([]*client.Conn, idle)
	for i := range conns {
		conns[i] = testnode.Dial(t, n.WS, fmt.Sprintf("idle%d", i))
	}
	raw := testnode.DialRaw(t, n.WS, `{"type":"hello","id":"h","name":"raw"}`)
	testnode.WaitFor(t, 10*time.Second, "every idle reader parked", func() bool { return n.ParkedReaders() == parked(idle+1) })

	// A command wakes its reader, which answers and parks again.
	for i, c := range conns {
		ev, err := c.Do(testnode.Ctx(t), protocol.Command{Type: protocol.CmdPing})
		if err != nil || ev.Type != protocol.EvPong {
			t.Fatalf("ping on connection %d: %v %+v", i, err, ev)
		}
	}
	ev, err := conns[0].Do(testnode.Ctx(t), protocol.Command{Type: protocol.CmdJoin, Room: "parked"})
	if err != nil || ev.Type != protocol.EvJoined {
		t.Fatalf("join: %v %+v", err, ev)
	}
	testnode.WaitFor(t, 10*time.Second, "readers parked again", func() bool { return n.ParkedReaders() == parked(idle+1) })

	// A peer gone without a close frame, and clients closing: their
	// parked readers end their connections.
	raw.CloseNow()
	for _, c := range conns[idle/2:] {
		c.Close()
	}
	testnode.WaitFor(t, 10*time.Second, "closed connections gone", func() bool {
		return n.Connections() == idle/2 && n.ParkedReaders() == parked(idle/2)
	})

	// Shutdown closes the parked rest with close frames and returns
	// before its deadline: every reader came back to end its connection.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Shutdown(ctx, protocol.CloseGoingAway); err != nil {
		t.Fatalf("shutdown: %v (connections left: %d)", err, n.Connections())
	}
	if got := n.Connections(); got != 0 {
		t.Fatalf("connections after shutdown: %d", got)
	}
	for i, c := range conns[:idle/2] {
		select {
		case <-c.Done():
		case <-testnode.Ctx(t).Done():
			t.Fatalf("connection %d still open after shutdown", i)
		}
		if code := client.CloseCode(c.Err()); code != protocol.CloseGoingAway {
			t.Fatalf("connection %d after shutdown: %v, want close %d", i, c.Err(), protocol.CloseGoingAway)
		}
	}
}

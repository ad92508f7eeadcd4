package hub_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server/broker"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/natsd"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// sinkConn is a member that counts the message frames delivered to it, as
// a connection whose writer keeps up would.
type sinkConn struct {
	id       string
	user     protocol.User
	messages *atomic.Int64
}

func (c *sinkConn) ID() string            { return c.id }
func (c *sinkConn) User() protocol.User   { return c.user }
func (c *sinkConn) Access() hub.Access    { return hub.Access{} }
func (c *sinkConn) Deliver(f []byte) bool { countMessage(f, c.messages); return true }

var messageMarker = []byte(`{"type":"message"`)

// countMessage counts the message events in frame: one, or several in a
// batch frame (a room's flush).
func countMessage(frame []byte, n *atomic.Int64) {
	n.Add(int64(bytes.Count(frame, messageMarker)))
}

// BenchmarkFanOut stores messages through the real broker (embedded NATS
// JetStream) and fans each out to N local members: one op is one message
// stored and delivered to all N. deliveries/s is the fan-out throughput.
func BenchmarkFanOut(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ns, err := natsd.Start(natsd.Options{StoreDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(ns.Shutdown)
	nc, err := ns.Connect()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	b.Cleanup(cancel)
	br, err := broker.New(ctx, nc, broker.Options{Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			h := hub.New(br, hub.Options{Node: "bench", Logger: log})
			b.Cleanup(h.Close)
			room := fmt.Sprintf("fanout-%d-%d", n, time.Now().UnixNano())
			var delivered atomic.Int64
			conns := make([]*sinkConn, n)
			for i := range conns {
				conns[i] = &sinkConn{
					id:       fmt.Sprintf("c%d", i),
					user:     protocol.User{ID: fmt.Sprintf("u%d", i), Name: fmt.Sprintf("user%d", i)},
					messages: &delivered,
				}
				if perr := h.Join(ctx, conns[i], protocol.Command{Type: protocol.CmdJoin, ID: "j", Room: room}); perr != nil {
					b.Fatal(perr)
				}
			}
			sender := conns[0]
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			sent := 0
			for b.Loop() {
				sent++
				cmd := protocol.Command{Type: protocol.CmdSend, ID: fmt.Sprintf("%s-%d", room, sent), Room: room, Text: "hello, room"}
				if _, perr := h.Send(ctx, sender, cmd); perr != nil {
					b.Fatal(perr)
				}
			}
			want := int64(sent) * int64(n)
			deadline := time.Now().Add(time.Minute)
			tick := time.NewTicker(time.Millisecond)
			for delivered.Load() < want {
				if time.Now().After(deadline) {
					b.Fatalf("delivered %d of %d frames", delivered.Load(), want)
				}
				<-tick.C
			}
			tick.Stop()
			b.StopTimer()
			b.ReportMetric(float64(want)/time.Since(start).Seconds(), "deliveries/s")
		})
	}
}

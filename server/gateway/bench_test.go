package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// benchFrame is a typical encoded message event.
var benchFrame = []byte(`{"type":"message","room":"lobby","epoch":"k3j4h5g6f7d8","offset":123456,"id":"3f9a1c2b7d4e-42","user":{"id":"u-7f3a9c2e1b5d","name":"ada"},"text":"p1 1763729000123456789 the quick brown fox jumps over the lazy dog","ts":1763729000123}`)

// BenchmarkMailbox pushes frames from one goroutine (the hub's fan-out)
// while writers drain them, each started by the push that found none
// running (as Deliver does): the queue's cost per frame.
func BenchmarkMailbox(b *testing.B) {
	const limit = 512
	var workers sync.WaitGroup
	m := newMailbox(limit, &workers)
	var taken atomic.Int64
	drain := func() {
		defer workers.Done()
		var dst [][]byte
		for {
			if dst = m.take(dst); len(dst) == 0 {
				return
			}
			taken.Add(int64(len(dst)))
		}
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for {
			ok, start := m.push(benchFrame)
			if start {
				go drain()
			}
			if ok {
				break
			}
			runtime.Gosched() // full: let the writer drain (a real conn would be closed)
		}
		n++
	}
	for taken.Load() < int64(n) {
		runtime.Gosched()
	}
	workers.Wait()
}

// BenchmarkDeliverWrite queues frames with Deliver to a connection whose
// writer sends them over a real loopback WebSocket to a client that reads
// them: push, coalescing and socket writes, per frame.
func BenchmarkDeliverWrite(b *testing.B) {
	// Only what a connection's writer uses; New is not needed (nor a hub).
	opts := Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	opts.setDefaults()
	g := &Gateway{opts: opts, log: opts.Logger, base: context.Background()}
	conns := make(chan *conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := newUpgrade(w)
		ws, err := websocket.Accept(u, r, nil)
		if err != nil {
			return
		}
		c := newConn(g, ws, u, r.RemoteAddr, dialect{})
		conns <- c
		<-c.ctx.Done()
		c.workers.Wait()
	}))
	b.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	b.Cleanup(cancel)
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer client.CloseNow()
	client.SetReadLimit(16 << 20)
	c := <-conns
	var received atomic.Int64
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		marker := []byte(`"type":"message"`)
		for {
			_, data, err := client.Read(ctx)
			if err != nil {
				return
			}
			received.Add(int64(bytes.Count(data, marker)))
		}
	}()
	b.SetBytes(int64(len(benchFrame)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for c.mailbox.len() >= g.opts.MailboxSize {
			runtime.Gosched() // full: let the writer catch up (a real conn would be closed)
		}
		if !c.Deliver(benchFrame) {
			b.Fatal("connection closed as slow")
		}
		n++
	}
	for received.Load() < int64(n) {
		select {
		case <-readerDone:
			b.Fatalf("reader stopped after %d of %d frames", received.Load(), n)
		default:
			runtime.Gosched()
		}
	}
	b.StopTimer()
	c.closeWith(protocol.CloseNormal, "")
	<-readerDone
}

package testnode

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Restartable is a node on a fixed address that a test can stop and start
// again with the same DataDir, as an operator restarting the server would:
// clients reconnect to the same URL and find the stored history.
//
// While the node is stopped the address keeps answering page and static
// file requests from the stopped node's web handler (standing in for the
// browser's service-worker cache or a CDN, so a page can be reloaded), and
// refuses the protocol endpoint /ws with 503: no chat works.
type Restartable struct {
	t   testing.TB
	cfg server.Config
	srv *http.Server
	// URL is http://host:port; WS is the protocol endpoint's ws:// URL.
	URL, WS string

	mu        sync.Mutex
	node      *server.Node
	pages     http.Handler // the last node's handler, for pages while stopped
	unplugged bool         // while stopped, answer nothing at all
}

// StartRestartable starts a node with cfg on a loopback port chosen now and
// kept for the whole test. DataDir defaults to a temp dir.
func StartRestartable(t testing.TB, cfg server.Config) *Restartable {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = Logger(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	r := &Restartable{t: t, cfg: cfg, URL: "http://" + ln.Addr().String()}
	r.WS = "ws" + strings.TrimPrefix(r.URL, "http") + "/ws"
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.srv.Serve(ln)
	}()
	t.Cleanup(func() {
		r.Stop()
		r.srv.Close()
		<-done
	})
	r.Start()
	return r
}

// Start starts the node again (same config, same DataDir). It is a no-op
// while the node runs.
func (r *Restartable) Start() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.node != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := server.New(ctx, r.cfg)
	if err != nil {
		r.t.Fatalf("start node: %v", err)
	}
	r.node, r.pages, r.unplugged = n, n.Handler(), false
}

// Unplug stops the node like Stop, but while it is stopped the address
// answers nothing (every connection is closed unanswered), as a server
// that is down: only the browser's own caches can show a page.
func (r *Restartable) Unplug() {
	r.Stop()
	r.mu.Lock()
	r.unplugged = true
	r.mu.Unlock()
}

// Kill stops the node as a crash would (Node.Abort: NATS dropped first,
// no goodbyes, connections cut); Start starts it again.
func (r *Restartable) Kill() {
	r.mu.Lock()
	n := r.node
	r.node = nil
	r.mu.Unlock()
	if n != nil {
		n.Abort()
	}
}

// Node returns the running node, or nil while it is stopped.
func (r *Restartable) Node() *server.Node {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.node
}

// Stop shuts the node down (every connection is closed with 1001 and NATS
// stops); the address keeps serving pages only.
func (r *Restartable) Stop() {
	r.mu.Lock()
	n := r.node
	r.node = nil
	r.mu.Unlock()
	if n == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.Shutdown(ctx, protocol.CloseGoingAway)
}

func (r *Restartable) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	n, pages, unplugged := r.node, r.pages, r.unplugged
	r.mu.Unlock()
	switch {
	case n != nil:
		n.Handler().ServeHTTP(w, req)
	case unplugged:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	case req.URL.Path == "/ws" || pages == nil:
		http.Error(w, "the node is stopped", http.StatusServiceUnavailable)
	default:
		pages.ServeHTTP(w, req)
	}
}

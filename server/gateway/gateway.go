// Package gateway is the WebSocket edge of Switchboard: it accepts protocol
// connections on /ws, runs one reader and one writer (with a bounded
// mailbox) per connection, validates every frame with shared/protocol, and
// hands valid commands to the hub. Only this package imports
// github.com/coder/websocket on the server.
package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/identity"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Options configure a Gateway. The zero value of each field means its default.
type Options struct {
	// OriginPatterns are extra host patterns allowed to open connections
	// from a browser (coder/websocket AcceptOptions.OriginPatterns); the
	// server's own host is always allowed. Default: none.
	OriginPatterns []string
	// MaxFrameBytes is the largest frame a client may send; a larger one
	// closes the connection with 1009. Default protocol.MaxFrameBytes.
	MaxFrameBytes int64
	// MailboxSize is how many frames may wait for a connection's writer; a
	// connection that lets it fill is closed with 4000 (slow consumer).
	// Default 512.
	MailboxSize int
	// PingInterval is how often the server pings each connection. Default 25 s.
	PingInterval time.Duration
	// PongTimeout is how long a pong may take before the connection is
	// closed with 4001. Default 10 s.
	PongTimeout time.Duration
	// HelloTimeout is how long after the handshake the hello frame may take
	// (closed with 4002). Default 10 s.
	HelloTimeout time.Duration
	// WriteTimeout bounds one frame write. Default 10 s.
	WriteTimeout time.Duration
	// MaxBadFrames is how many invalid frames a connection may send before it
	// is closed with 4500; each one is answered with an error. Default 20.
	MaxBadFrames int
	// Boot identifies this server build; it is sent in every welcome.
	Boot string
	// Node is this server's name, used in connection ids.
	Node string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.MaxFrameBytes <= 0 || o.MaxFrameBytes > protocol.MaxFrameBytes {
		o.MaxFrameBytes = protocol.MaxFrameBytes
	}
	if o.MailboxSize <= 0 {
		o.MailboxSize = 512
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 25 * time.Second
	}
	if o.PongTimeout <= 0 {
		o.PongTimeout = 10 * time.Second
	}
	if o.HelloTimeout <= 0 {
		o.HelloTimeout = 10 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.MaxBadFrames <= 0 {
		o.MaxBadFrames = 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Gateway serves protocol connections. Create it with New; it is an
// http.Handler for the /ws route.
type Gateway struct {
	opts     Options
	hub      *hub.Hub
	sessions *identity.Sessions
	log      *slog.Logger

	// base is cancelled by Shutdown; every connection's context derives from it.
	base   context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	conns    map[*conn]struct{}
	draining bool
	wg       sync.WaitGroup // one per connection handler
}

// New returns a Gateway that hands commands to h and signs sessions with s.
func New(h *hub.Hub, s *identity.Sessions, opts Options) *Gateway {
	opts.setDefaults()
	base, cancel := context.WithCancel(context.Background())
	return &Gateway{
		opts: opts, hub: h, sessions: s, log: opts.Logger,
		base: base, cancel: cancel,
		conns: make(map[*conn]struct{}),
	}
}

// ServeHTTP upgrades the request to a protocol connection and serves it
// until it ends. It refuses clients that do not offer protocol.Subprotocol.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !offers(r, protocol.Subprotocol) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte("this endpoint needs the WebSocket subprotocol " + protocol.Subprotocol + "\n"))
		return
	}
	g.mu.Lock()
	draining := g.draining
	if !draining {
		g.wg.Add(1)
	}
	g.mu.Unlock()
	if draining {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer g.wg.Done()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:   []string{protocol.Subprotocol},
		OriginPatterns: g.opts.OriginPatterns,
	})
	if err != nil {
		// Accept has written the HTTP error (e.g. 403 for a foreign origin).
		g.log.Debug("websocket handshake refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	c := newConn(g, ws, r.RemoteAddr)
	g.track(c, true)
	defer g.track(c, false)
	c.serve()
}

// Shutdown stops accepting connections, closes every open one with code
// (CloseGoingAway or CloseRestart) so clients reconnect elsewhere, and waits
// for their handlers until ctx ends.
func (g *Gateway) Shutdown(ctx context.Context, code protocol.CloseCode) error {
	for _, c := range g.drain() {
		c.closeWith(code, "server is shutting down")
	}
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	g.cancel()
	<-done
	return ctx.Err()
}

// Abort drops every connection at once, without close frames, as a crash
// would, and refuses new ones.
func (g *Gateway) Abort() {
	for _, c := range g.drain() {
		c.ws.CloseNow()
	}
	g.cancel()
	g.wg.Wait()
}

// drain refuses new connections from now on and returns the open ones.
func (g *Gateway) drain() []*conn {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.draining = true
	conns := make([]*conn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	return conns
}

// Count returns the number of open connections.
func (g *Gateway) Count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

func (g *Gateway) track(c *conn, add bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if add {
		g.conns[c] = struct{}{}
	} else {
		delete(g.conns, c)
	}
}

// offers reports whether the handshake request offers subprotocol p.
func offers(r *http.Request, p string) bool {
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, v := range strings.Split(h, ",") {
			if strings.TrimSpace(v) == p {
				return true
			}
		}
	}
	return false
}

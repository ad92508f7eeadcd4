// Package gateway is the WebSocket edge of Switchboard: it accepts protocol
// connections on /ws, runs one reader and one writer (with a bounded
// mailbox) per connection, validates every frame with shared/protocol, and
// hands valid commands to the hub. The plain endpoints for clients that do
// not speak the protocol (/text/{room}/{name}, /echo, /counter/{name}) run
// on the same connections, checks and limits, each with its own dialect.
// Only this package imports github.com/coder/websocket on the server.
package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/identity"
	"github.com/switchboard-rt/switchboard/server/metrics"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Options configure a Gateway. The zero value of each field means its default.
type Options struct {
	// AllowedOrigins are the browser origins (scheme://host[:port], exact)
	// allowed to connect besides the server's own. Default: none. Requests
	// without an Origin header (not browsers) are allowed; "null" never.
	AllowedOrigins []string
	// MaxConns is how many connections the server holds; more are closed
	// with 1013 (try again later). Default 10,000.
	MaxConns int
	// MaxConnsPerIP is how many connections one address may hold (1013
	// beyond). Default 50.
	MaxConnsPerIP int
	// MaxConnsPerUser is how many connections one person may hold (1013
	// beyond). Default 10.
	MaxConnsPerUser int
	// HandshakesPerSecond is how many handshakes one address may attempt
	// per second (burst: twice that); more get HTTP 429. Default 10.
	HandshakesPerSecond float64
	// MessagesPerSecond and MessageBurst bound sends, edits and deletes per
	// connection (a token bucket); beyond, the command gets rate_limited.
	// Defaults 5 and 20.
	MessagesPerSecond float64
	MessageBurst      int
	// CursorsPerSecond bounds cursor updates per connection (burst: a
	// quarter of it, at least 1); an update over the rate is kept as the
	// pending position (latest wins) and relayed at the next allowance.
	// Default protocol.CursorsPerSecond.
	CursorsPerSecond float64
	// JoinsPerMinute bounds joins per connection (rate_limited beyond).
	// Default 30.
	JoinsPerMinute int
	// MaxFrameBytes is the largest frame a client may send; a larger one
	// closes the connection with 1009. Default protocol.MaxFrameBytes.
	// With Compression it bounds the inflated size: a compressed frame
	// that inflates past it is refused the same way, inflating no further.
	MaxFrameBytes int64
	// Compression negotiates permessage-deflate (RFC 7692) on every
	// WebSocket endpoint with clients that offer it (browsers do; Chromium
	// always). It trades CPU for bytes: worth it on slow or metered links
	// and for large frames (history pages, batches), not for small single
	// events. Memory: without context takeover (see compress.go) a
	// connection keeps only a 4 KB read buffer between messages; each
	// compressed write borrows a pooled flate writer (about 1.2 MB) and
	// each compressed read a pooled 40 KB reader. Default false: off.
	Compression bool
	// ConnectHook, if set, is asked before a person is welcomed (a hello
	// with a name or a token): a refusal answers the hello with its error.
	ConnectHook interface {
		Connect(ctx context.Context, u protocol.User) *protocol.Error
	}
	// MailboxSize is how many frames may wait for a connection's writer; a
	// connection that lets it fill is closed with 4000 (slow consumer).
	// Default 512.
	MailboxSize int
	// PingInterval is how often the server pings each connection (at most
	// once per PongTimeout: a ping's pong is checked before the next).
	// Default 25 s.
	PingInterval time.Duration
	// PongTimeout is how long a pong may take before the connection is
	// closed with 4001. Default 10 s.
	PongTimeout time.Duration
	// HelloTimeout is how long after the handshake the hello frame may take
	// (closed with 4002). Default 10 s.
	HelloTimeout time.Duration
	// MaxBadFrames is how many invalid frames in a row a connection may send
	// before it is closed with 4500; each one is answered with an error, and
	// a valid frame ends the run. Default 20.
	MaxBadFrames int
	// Tokens verifies the JWTs sites vouch for their users with. Nil: none
	// are accepted (hello with a token is refused).
	Tokens *identity.Tokens
	// AdminToken, if set, signs its holder in as an admin (hello with it
	// as the token): the operator answering support conversations from
	// /inbox without a site's JWT. Compared in constant time; never logged.
	AdminToken string
	// Boot identifies this server build; it is sent in every welcome.
	Boot string
	// Node is this server's name, used in connection ids.
	Node string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics receives connection, byte, queue and rate-limit counts.
	// Default: collectors registered nowhere.
	Metrics *metrics.Metrics
}

func (o *Options) setDefaults() {
	if o.Metrics == nil {
		o.Metrics = metrics.New(false)
	}
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
	if o.MaxBadFrames <= 0 {
		o.MaxBadFrames = 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 10000
	}
	if o.MaxConnsPerIP <= 0 {
		o.MaxConnsPerIP = 50
	}
	if o.MaxConnsPerUser <= 0 {
		o.MaxConnsPerUser = 10
	}
	if o.HandshakesPerSecond <= 0 {
		o.HandshakesPerSecond = 10
	}
	if o.MessagesPerSecond <= 0 {
		o.MessagesPerSecond = 5
	}
	if o.MessageBurst <= 0 {
		o.MessageBurst = 20
	}
	if o.CursorsPerSecond <= 0 {
		o.CursorsPerSecond = protocol.CursorsPerSecond
	}
	if o.JoinsPerMinute <= 0 {
		o.JoinsPerMinute = 30
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

	origins map[string]struct{} // AllowedOrigins, canonical
	admit   *admission
	decoded decodedFrames // for plain-text members' writers

	mu       sync.Mutex
	conns    map[*conn]struct{}
	draining bool
	wg       sync.WaitGroup // one per connection handler

	// poll is where idle protocol readers park (see awaitOrPark), started
	// on first use (under pollMu) and stopped with the gateway (pollOff
	// from then on). Readers load it without the lock: every frame read
	// asks for it.
	pollMu  sync.Mutex
	poll    atomic.Pointer[poller]
	pollOff bool
}

// New returns a Gateway that hands commands to h and signs sessions with s.
// It fails if an allowed origin is malformed.
func New(h *hub.Hub, s *identity.Sessions, opts Options) (*Gateway, error) {
	opts.setDefaults()
	origins := make(map[string]struct{}, len(opts.AllowedOrigins))
	for _, o := range opts.AllowedOrigins {
		canon, err := Origin(o)
		if err != nil {
			return nil, fmt.Errorf("allowed origin %q: %w", o, err)
		}
		origins[canon] = struct{}{}
	}
	base, cancel := context.WithCancel(context.Background())
	g := &Gateway{
		opts: opts, hub: h, sessions: s, log: opts.Logger,
		base: base, cancel: cancel, origins: origins,
		conns: make(map[*conn]struct{}),
	}
	g.admit = newAdmission(&g.opts)
	return g, nil
}

// ServeHTTP upgrades the request to a protocol connection and serves it
// until it ends. It refuses clients that do not offer protocol.Subprotocol.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.accept(w, r, []string{protocol.Subprotocol}, dialect{}, nil)
}

// Shutdown stops accepting connections, closes every open one with code
// (CloseGoingAway or CloseRestart) so clients reconnect elsewhere, and waits
// for their handlers until ctx ends.
func (g *Gateway) Shutdown(ctx context.Context, code protocol.CloseCode) error {
	conns := g.drain()
	for _, c := range conns {
		c.closeWith(code, "server is shutting down")
	}
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		// Out of time: drop the connections whose closing handshake is
		// not over (a reader waiting for the peer's close frame).
		for _, c := range conns {
			c.ws.CloseNow()
		}
	}
	g.cancel()
	<-done
	g.stopPoller()
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
	g.stopPoller()
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

// Parked returns the number of connections whose reader is parked: idle,
// with no goroutine of its own (see awaitOrPark).
func (g *Gateway) Parked() int {
	if p := g.poll.Load(); p != nil {
		return p.count()
	}
	return 0
}

func (g *Gateway) track(c *conn, add bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if add {
		g.conns[c] = struct{}{}
		g.opts.Metrics.Connections.Inc()
	} else {
		delete(g.conns, c)
		g.opts.Metrics.Connections.Dec()
	}
}

// offers reports whether the handshake request offers subprotocol p.
func offers(r *http.Request, p string) bool {
	// Subprotocol names compare exactly (RFC 6455, 4.1).
	return headerHas(r.Header, "Sec-WebSocket-Protocol", func(t string) bool { return t == p })
}

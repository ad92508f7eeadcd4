package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/switchboard-rt/switchboard/server/hook"
	"github.com/switchboard-rt/switchboard/server/webhook"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/web"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// serveFlags are the settings of `switchboard serve`.
type serveFlags struct {
	addr, webDir, logLevel, logFormat, sync string
	tlsCert, tlsKey, jwtSecret, jwtKeys     string
	apiKeys                                 string
	private                                 listFlag
	feedRooms                               listFlag
	demoFeed, compressWasm                  bool
	shutdownTimeout, readHeaderTimeout      time.Duration
	maxHeaderBytes                          int
	origins, embedOrigins, trustedProxies   listFlag
	webhookEvents, webhookRooms             listFlag
	config, adminAddr                       string
	cfg                                     server.Config
}

func newServeFlags() (*flag.FlagSet, *serveFlags) {
	f := &serveFlags{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c := &f.cfg
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "HTTP listen address")
	fs.StringVar(&c.DataDir, "data", "./data", "folder for JetStream data and the session key")
	fs.StringVar(&f.webDir, "web-dir", "", "folder with app.wasm and static files (default: web/ beside the binary; none: no web app)")
	fs.StringVar(&c.NATSURL, "nats-url", "", "external NATS cluster URL(s), comma-separated (default: embedded NATS server)")
	fs.StringVar(&c.NATSListen, "nats-listen", "", "let other processes reach the embedded NATS server at host:port (default: in-process only)")
	fs.StringVar(&f.sync, "sync", "interval", "JetStream disk sync for the embedded server: interval (fsync every second) or always (fsync before every ack)")
	fs.StringVar(&c.Node, "node", "", "name of this node (default: random)")
	fs.IntVar(&c.Replicas, "replicas", 1, "replicas of the room stream (3 on a NATS cluster)")
	fs.Int64Var(&c.HistorySize, "history-size", 1000, "events kept per room")
	fs.DurationVar(&c.HistoryAge, "history-age", 7*24*time.Hour, "how long room events are kept")
	fs.DurationVar(&c.DuplicateWindow, "dedup-window", 2*time.Minute, "how long message ids are remembered to drop retried sends")
	fs.IntVar(&c.HistoryOnJoin, "history-on-join", 100, "recent messages sent when joining a room")
	fs.IntVar(&c.PrerenderMessages, "prerender-messages", web.DefaultPrerenderMessages, "recent messages a public room's page is served with, shown before the app loads (-1: none)")
	fs.BoolVar(&f.compressWasm, "compress-wasm", true, "compress app.wasm (brotli, gzip) in the background at start when the build left no fresh compressed copies beside it (false: serve those there are; make dev does, as it serves app.wasm itself)")
	fs.DurationVar(&c.EditWindow, "edit-window", 15*time.Minute, "how long after sending people may edit a message")
	fs.IntVar(&c.MaxRoomsPerConn, "max-rooms-per-conn", 32, "rooms one connection may be in")
	fs.IntVar(&c.MaxMessageChars, "max-message-chars", protocol.MaxTextRunes, fmt.Sprintf("longest message text in characters, 1 to %d (longer: invalid_text)", protocol.MaxTextRunes))
	fs.IntVar(&c.MailboxSize, "mailbox-size", 512, "frames queued per connection before it is closed as slow (4000)")
	fs.DurationVar(&c.PingInterval, "ping-interval", 25*time.Second, "how often the server pings each connection")
	fs.DurationVar(&c.PongTimeout, "pong-timeout", 10*time.Second, "how long a pong may take before the connection is closed (4001)")
	fs.Int64Var(&c.MaxFrameBytes, "max-frame-bytes", protocol.MaxFrameBytes, "largest frame a client may send (larger: close 1009)")
	fs.BoolVar(&c.Compression, "compression", false, "negotiate permessage-deflate with clients that offer it, on every WebSocket endpoint (fewer bytes on slow links, more CPU; messages under 512 bytes go uncompressed)")
	fs.Var(&f.origins, "allowed-origins", "browser origins (scheme://host[:port], exact) allowed to connect besides the server's own, comma-separated")
	fs.StringVar(&c.WebhookURL, "webhook-url", "", "POST every stored message, edit and delete, and the rooms' activity (joins, leaves, rooms occupied and vacated, kicks, bans) to this URL, signed (Standard Webhooks), from a durable queue: at least once, in order, retried with backoff (default: no webhook)")
	fs.StringVar(&c.WebhookSecret, "webhook-secret", "", "the webhook's signing secret, whsec_ and base64 (required with --webhook-url)")
	fs.Var(&f.webhookEvents, "webhook-events", "webhook event types to send, comma-separated: message.created, message.edited, message.deleted, reaction.added, reaction.removed, member.joined, member.left, room.occupied, room.vacated, member.kicked, member.banned (default: all)")
	fs.Var(&f.webhookRooms, "webhook-rooms", "rooms whose events the webhook receives, as patterns (path.Match), comma-separated (default: all)")
	fs.IntVar(&c.WebhookMaxAttempts, "webhook-max-attempts", webhook.DefaultMaxAttempts, "attempts per event before it goes to the dead letters")
	fs.DurationVar(&c.WebhookMinBackoff, "webhook-min-backoff", webhook.DefaultMinBackoff, "wait before the first retry; it doubles after each failed attempt (with jitter)")
	fs.DurationVar(&c.WebhookMaxBackoff, "webhook-max-backoff", webhook.DefaultMaxBackoff, "longest wait between two attempts")
	fs.DurationVar(&c.WebhookHold, "webhook-hold", 30*time.Second, "how long a node may hold an event it is sending before another node (or this one, restarted) takes it over: the wait after a node dies mid-delivery")
	fs.DurationVar(&c.WebhookTimeout, "webhook-timeout", webhook.DefaultTimeout, "bound of one attempt, connect and answer included (the connect alone: 5s)")
	fs.StringVar(&c.HookURL, "hook-url", "", "ask this URL before people connect, join and publish (a signed POST; it may refuse with a reason shown to them, or rewrite a message) (default: no hook)")
	fs.StringVar(&c.HookSecret, "hook-secret", "", "the hook requests' signing secret, whsec_ and base64 (required with --hook-url)")
	fs.DurationVar(&c.HookTimeout, "hook-timeout", hook.DefaultTimeout, "bound of one hook call; no answer by then is a failure")
	fs.StringVar(&c.HookFailure, "hook-failure", string(hook.Refuse), "what a failed hook call means: refuse (the person is told to try again) or allow")
	fs.DurationVar(&c.HookCacheTTL, "hook-cache", hook.DefaultCacheTTL, "how long a connect or join answer is reused for the same person and room (publish answers never are; negative: never)")
	fs.Var(&f.trustedProxies, "trusted-proxies", "reverse proxies (CIDR prefixes or addresses, comma-separated) whose Forwarded / X-Forwarded-For headers name the client, for per-address limits, logs and metrics (default: none, the headers are ignored)")
	fs.Var(&f.embedOrigins, "embed-origins", "origins (scheme://host[:port], exact) whose pages may embed the chat with embed.js, comma-separated (default: none)")
	fs.StringVar(&c.BasePath, "base-path", "", "serve everything under this path prefix, e.g. /chat behind a proxy (default: the root)")
	fs.IntVar(&c.MaxConns, "max-conns", 10000, "connections the server holds (more: close 1013)")
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", 50, "connections one address may hold (more: close 1013)")
	fs.IntVar(&c.MaxConnsPerUser, "max-conns-per-user", 10, "connections one person may hold (more: close 1013)")
	fs.Float64Var(&c.HandshakesPerSecond, "handshakes-per-second", 10, "handshakes one address may attempt per second, burst twice that (more: HTTP 429)")
	fs.Float64Var(&c.MessagesPerSecond, "messages-per-second", 5, "sends, edits and deletes per connection per second (more: rate_limited)")
	fs.IntVar(&c.MessageBurst, "message-burst", 20, "burst above --messages-per-second")
	fs.IntVar(&c.JoinsPerMinute, "joins-per-minute", 30, "joins per connection per minute (more: rate_limited)")
	fs.DurationVar(&c.RoomFlushInterval, "room-flush-interval", hub.DefaultFlushInterval, "shortest time between two frames a room sends its members: the first event after a quiet interval goes at once, later ones share the next frame (0: every event at once)")
	fs.IntVar(&c.RoomFramesPerSecond, "room-frames-per-second", hub.DefaultRoomFramesPerSecond, "most frames a busy room sends its members per second in all: a large room's flush interval grows to members / this (33 ms for 1,000 members)")
	fs.DurationVar(&c.CounterStateInterval, "counter-state-interval", 50*time.Millisecond, "least time between two state events of a shared counter (changes in between go out as one, the newest)")
	fs.StringVar(&f.jwtSecret, "jwt-secret", "", "HS256 secret (32+ bytes) sites sign user tokens with; set it in the environment, not on the command line")
	fs.StringVar(&f.jwtKeys, "jwt-public-keys", "", "PEM file of Ed25519 or RSA public keys that verify EdDSA/RS256 user tokens")
	fs.StringVar(&c.Tokens.Audience, "jwt-audience", "switchboard", "the aud every user token must carry")
	fs.StringVar(&c.Tokens.Issuer, "jwt-issuer", "", "the iss every user token must carry (required with --jwt-secret or --jwt-public-keys)")
	fs.BoolVar(&c.RotateSessionKey, "rotate-session-key", false, "start signing sessions with a new key (sessions signed with the last 3 keys stay valid)")
	fs.StringVar(&f.apiKeys, "api-keys", "", "file of HTTP API keys, one per line: name secret room-patterns (e.g. alerts 9f…e1 alerts-*,ops)")
	fs.Float64Var(&c.APIRequestsPerSecond, "api-requests-per-second", 20, "HTTP API requests per key per second, burst twice that (more: 429)")
	fs.Var(&f.private, "private-rooms", "patterns of private rooms (e.g. team-*,ops): only tokens naming them may enter")
	f.feedRooms = listFlag{"demo*"}
	fs.Var(&f.feedRooms, "feed-rooms", "patterns of rooms whose live data anyone in them may publish (besides publisher, moderator and admin tokens); --feed-rooms= for none")
	fs.IntVar(&c.FeedHistory, "feed-history", 600, "recent feed events (each one or more points) sent when a client asks for a room's live data")
	fs.Int64Var(&c.FeedSize, "feed-size", 10000, "feed events kept per room")
	fs.DurationVar(&c.FeedAge, "feed-age", 24*time.Hour, "how long feed events are kept")
	fs.Int64Var(&c.MaxUploadBytes, "max-upload-bytes", 5<<20, "largest file one upload may carry (larger: HTTP 413 too_large)")
	fs.IntVar(&c.UploadsPerMinute, "uploads-per-minute", 30, "uploads per person per minute (more: HTTP 429 rate_limited)")
	fs.Int64Var(&c.FilesMaxBytes, "files-max-bytes", 1<<30, "total size of stored files (uploads beyond it fail)")
	fs.DurationVar(&c.FilesAge, "files-age", 0, "how long uploaded files are kept (default: --history-age)")
	fs.DurationVar(&c.CursorTick, "cursor-tick", protocol.CursorTick, "how often each room's members get the latest pointer positions (one batch per tick at most)")
	fs.Float64Var(&c.CursorsPerSecond, "cursors-per-second", protocol.CursorsPerSecond, "pointer updates per connection per second (burst a quarter of it; more are dropped silently)")
	fs.BoolVar(&f.demoFeed, "demo-feed", true, "publish simulated prices and weather every second to the room "+DemoFeedRoom)
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key serves HTTPS and WSS")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&f.readHeaderTimeout, "read-header-timeout", 10*time.Second, "how long a client may take to send its request headers (a half-sent handshake is dropped)")
	fs.IntVar(&f.maxHeaderBytes, "max-header-bytes", 64<<10, "largest request header block (larger: HTTP 431)")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long a stop waits for connections to close")
	fs.StringVar(&f.config, configFlag, "", "YAML (.yaml, .yml) or TOML (.toml) file of settings, keys named as these flags; flags and environment win over it")
	fs.StringVar(&f.adminAddr, "admin-addr", "", "serve /metrics, /healthz, /readyz and /debug/pprof/ on this private address instead of /metrics on --addr (default: /metrics on --addr, no pprof)")
	fs.StringVar(&c.AdminToken, "admin-token", "", "token (16+ bytes) that opens the admin dashboard /admin and its API; set it in the environment (default: only site tokens with role admin)")
	return fs, f
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, f := newServeFlags()
	err := parse(fs, args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	cfg, err := f.settle(err, stderr)
	if err != nil {
		return err
	}
	log := cfg.Logger

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	var adminLn net.Listener
	if f.adminAddr != "" {
		if adminLn, err = net.Listen("tcp", f.adminAddr); err != nil {
			ln.Close()
			return fmt.Errorf("--admin-addr: %w", err)
		}
	}
	node, err := server.New(ctx, cfg)
	if err != nil {
		ln.Close()
		if adminLn != nil {
			adminLn.Close()
		}
		return err
	}
	var adminSrv *http.Server
	adminDone := make(chan struct{})
	if adminLn != nil {
		adminSrv = &http.Server{
			Handler: node.AdminHandler(), ReadHeaderTimeout: f.readHeaderTimeout,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
		go func() {
			defer close(adminDone)
			adminSrv.Serve(adminLn)
		}()
		log.Info("admin listener", "addr", adminLn.Addr().String())
	} else {
		close(adminDone)
	}
	srv := &http.Server{
		Handler:           node.Handler(),
		ReadHeaderTimeout: f.readHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    f.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	scheme := "http"
	if f.tlsCert != "" {
		scheme = "https"
		go func() { served <- srv.ServeTLS(ln, f.tlsCert, f.tlsKey) }()
	} else {
		go func() { served <- srv.Serve(ln) }()
	}
	fmt.Fprintf(stdout, "Switchboard is serving at %s://%s/\n", scheme, ln.Addr())
	adminURL := fmt.Sprintf("%s://%s%s/admin", scheme, ln.Addr(), strings.TrimSuffix(cfg.BasePath, "/"))
	if cfg.AdminToken != "" {
		fmt.Fprintf(stdout, "Admin dashboard: %s (sign in with the admin token)\n", adminURL)
	} else if cfg.WebDir != "" {
		fmt.Fprintf(stdout, "Admin dashboard: %s needs a token: start with one set, e.g.\n"+
			"  export SWITCHBOARD_ADMIN_TOKEN=$(openssl rand -hex 16); echo $SWITCHBOARD_ADMIN_TOKEN; make run\n", adminURL)
	}
	demoCtx, stopDemo := context.WithCancel(ctx)
	var demoDone sync.WaitGroup
	if f.demoFeed {
		fmt.Fprintf(stdout, "Live data demo: %s://%s/r/%s\n", scheme, ln.Addr(), DemoFeedRoom)
		demoDone.Go(func() {
			runDemoFeed(demoCtx, time.Second, func(ctx context.Context, points []protocol.Point) error {
				_, err := node.PublishPoints(ctx, DemoFeedRoom, "", points)
				return err
			}, log)
		})
	}
	log.Info("serving", "addr", ln.Addr().String(), "data", cfg.DataDir, "web", cfg.WebDir, "nats", natsMode(cfg))

	select {
	case err = <-served:
	case <-ctx.Done():
	}
	log.Info("stopping")
	stopDemo()
	demoDone.Wait()
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdownTimeout)
	defer cancel()
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Shutdown(sctx) }()
	node.Shutdown(sctx, protocol.CloseGoingAway)
	<-httpDone
	if adminSrv != nil {
		adminSrv.Shutdown(sctx)
	}
	<-adminDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func natsMode(c server.Config) string {
	if c.NATSURL != "" {
		return "external"
	}
	return "embedded"
}

func newLogger(level, format string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	var errs []error
	if err := l.UnmarshalText([]byte(level)); err != nil {
		errs = append(errs, fmt.Errorf("--log-level: must be debug, info, warn or error, not %q", level))
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		if len(errs) == 0 {
			return slog.New(slog.NewTextHandler(w, opts)), nil
		}
	case "json":
		if len(errs) == 0 {
			return slog.New(slog.NewJSONHandler(w, opts)), nil
		}
	default:
		errs = append(errs, fmt.Errorf("--log-format: must be text or json, not %q", format))
	}
	return nil, errors.Join(errs...)
}

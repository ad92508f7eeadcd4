// Package server assembles one Switchboard node from its parts (NATS, the
// broker, the hub, the WebSocket gateway and the web app) and exposes its
// whole HTTP surface. cmd/switchboard fills Config from flags and the
// environment; tests build nodes directly, several per process if needed.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/switchboard-rt/switchboard/server/hook"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-rt/switchboard/server/admin"
	"github.com/switchboard-rt/switchboard/server/api"
	"github.com/switchboard-rt/switchboard/server/attach"
	"github.com/switchboard-rt/switchboard/server/broker"
	"github.com/switchboard-rt/switchboard/server/clientaddr"
	"github.com/switchboard-rt/switchboard/server/counter"
	"github.com/switchboard-rt/switchboard/server/gateway"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/identity"
	"github.com/switchboard-rt/switchboard/server/metrics"
	"github.com/switchboard-rt/switchboard/server/natsd"
	"github.com/switchboard-rt/switchboard/server/web"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Config is everything a node needs. The zero value of each field means its
// documented default (see the README's settings table).
type Config struct {
	// DataDir holds JetStream's files (embedded NATS).
	DataDir string
	// WebDir holds app.wasm and the static files. Empty: no web app (the
	// protocol and health endpoints still work).
	WebDir string
	// NATSURL points at an external NATS cluster (comma-separated URLs).
	// Empty: run an embedded NATS server with JetStream in DataDir.
	NATSURL string
	// NATSListen makes the embedded NATS server accept other processes on
	// this host:port. Empty: in-process only.
	NATSListen string
	// SyncAlways makes the embedded JetStream fsync before every ack.
	SyncAlways bool
	// Node names this node in logs, connection ids and presence. Default: a
	// random name.
	Node string
	// Replicas of the room stream (external clusters: 3). Default 1.
	Replicas int
	// HistorySize and HistoryAge bound each room's stored history.
	HistorySize int64
	HistoryAge  time.Duration
	// DuplicateWindow is how long message ids are remembered.
	DuplicateWindow time.Duration
	// HistoryOnJoin, MaxRoomsPerConn: see hub.Options.
	HistoryOnJoin   int
	MaxRoomsPerConn int
	// PrerenderMessages is how many recent stored events a public room's
	// page is served with, so they show before the app has loaded (see
	// web.Options). Default web.DefaultPrerenderMessages; negative: none.
	PrerenderMessages int
	// NoWasmCompression: app.wasm is never compressed at start-up (see
	// web.Options.NoWasmCompression).
	NoWasmCompression bool
	// PresenceInterval, PresenceTTL, EditWindow: see hub.Options (the
	// shared counters' clients counts use the same interval and TTL).
	PresenceInterval time.Duration
	PresenceTTL      time.Duration
	// ActivitySweep: see hub.Options (zero: its default).
	ActivitySweep time.Duration
	EditWindow    time.Duration
	// MaxMessageChars is the longest message text (see hub.Options), 1 to
	// protocol.MaxTextRunes. Default protocol.MaxTextRunes.
	MaxMessageChars int
	// Gateway settings: see gateway.Options for each (the zero value means
	// its default there).
	MailboxSize    int
	PingInterval   time.Duration
	PongTimeout    time.Duration
	MaxFrameBytes  int64
	AllowedOrigins []string
	// TrustedProxies are the reverse proxies (CIDR prefixes or addresses)
	// whose Forwarded / X-Forwarded-For headers name the client: every
	// per-address limit, log and metric then sees the client's address.
	// None by default: the headers are ignored (see package clientaddr).
	TrustedProxies      []string
	MaxConns            int
	MaxConnsPerIP       int
	MaxConnsPerUser     int
	HandshakesPerSecond float64
	MessagesPerSecond   float64
	MessageBurst        int
	JoinsPerMinute      int
	// Compression negotiates permessage-deflate with clients that offer
	// it, on every WebSocket endpoint (see gateway.Options.Compression for
	// its CPU and memory cost). Default false: off.
	Compression bool
	// Tokens configures the JWTs sites may vouch for their users with
	// (identity.TokenConfig). No keys: tokens are refused.
	Tokens identity.TokenConfig
	// RotateSessionKey adds a new session signing key at start; sessions
	// signed with the last broker.KeepSessionKeys keys stay valid.
	RotateSessionKey bool
	// PrivateRooms are patterns of rooms only tokens naming them may enter.
	PrivateRooms []string
	// EmbedOrigins are the exact origins (scheme://host[:port]) whose pages
	// may frame the embed page /embed/{room} (embed.js). Empty: no site may.
	EmbedOrigins []string
	// BasePath serves the whole HTTP surface under a path prefix ("/chat":
	// pages, app.wasm, /ws, the API), as a Go program mounting the node's
	// Handler at "/chat/" of its own mux needs. Default: the root.
	BasePath string
	// AdminToken, if set, lets its holder use the admin dashboard and its
	// API (besides site JWTs with role admin). At least 16 bytes.
	AdminToken string
	// PrivateMetrics leaves /metrics off the public routes: the command
	// serves AdminHandler (metrics and pprof) on a listener of its own.
	PrivateMetrics bool
	// RoomFlushInterval is the shortest time between two frames a room
	// sends its members (hub.Options.FlushInterval): events within it share
	// one frame. Zero: the default (hub.DefaultFlushInterval); negative:
	// every event at once.
	RoomFlushInterval time.Duration
	// RoomFramesPerSecond bounds a busy room's frames per second to its
	// members, in all (hub.Options.RoomFramesPerSecond). Zero: the default.
	RoomFramesPerSecond int
	// CounterStateInterval: see counter.Options.StateInterval.
	CounterStateInterval time.Duration
	// APIKeys authorise the HTTP API (/api/v1); none: it refuses every
	// request. APIRequestsPerSecond: see api.Options.
	APIKeys              []api.Key
	APIRequestsPerSecond float64
	// Feeds: FeedRooms and FeedHistory (see hub.Options), FeedSize and
	// FeedAge (the feed stream's retention, see broker.Options).
	FeedRooms   []string
	FeedHistory int
	FeedSize    int64
	FeedAge     time.Duration
	// Attachments: MaxUploadBytes and UploadsPerMinute (see
	// attach.Options), FilesMaxBytes and FilesAge (the object store's
	// bounds, see broker.Options).
	MaxUploadBytes   int64
	UploadsPerMinute int
	FilesMaxBytes    int64
	FilesAge         time.Duration
	// Live cursors: CursorTick (see hub.Options) and CursorsPerSecond
	// (see gateway.Options).
	CursorTick       time.Duration
	CursorsPerSecond float64
	// Webhook: WebhookURL, if set, receives every stored message, edit
	// and delete as a signed POST (see package webhook), from a durable
	// queue shared by the cluster's nodes. WebhookSecret (required with
	// it) is the Standard Webhooks whsec_ secret. WebhookEvents and
	// WebhookRooms filter (types and room patterns; none: all).
	// WebhookMaxAttempts, WebhookMinBackoff, WebhookMaxBackoff and
	// WebhookTimeout: see webhook.Options (zero: its defaults).
	// WebhookHold is how long a node keeps an event untouched before
	// another node may take it over (default 30 s).
	WebhookURL                           string
	WebhookSecret                        string
	WebhookEvents                        []string
	WebhookRooms                         []string
	WebhookMaxAttempts                   int
	WebhookMinBackoff, WebhookMaxBackoff time.Duration
	WebhookTimeout, WebhookHold          time.Duration
	// Webhooks are more webhooks (the config file's webhooks list), each
	// with its own filters, retry budget and queue, besides WebhookURL's.
	// No two may share a URL or a name.
	Webhooks []WebhookConfig
	// Hook: HookURL, if set, is asked before people connect, join and
	// publish (see package hook), with requests signed by HookSecret
	// (whsec_). HookTimeout, HookFailure ("refuse" or "allow") and
	// HookCacheTTL: see hook.Options (zero: its defaults).
	HookURL, HookSecret string
	HookTimeout         time.Duration
	HookFailure         string
	HookCacheTTL        time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Node is one running Switchboard server.
type Node struct {
	cfg      Config
	log      *slog.Logger
	nats     *broker.Conn
	webhooks webhookSet // one per configured webhook
	broker   *broker.Broker
	hub      *hub.Hub
	gateway  *gateway.Gateway
	web      *web.Web
	attach   *attach.Handler
	handler  http.Handler
	metrics  *metrics.Metrics
	admin    *admin.API

	// draining is set when Shutdown starts: /readyz answers 503 from then on.
	draining atomic.Bool

	counters *counter.Counters // the shared counters (/counter/{name})
	api      *api.API          // the HTTP API for backends (/api/v1)

	// sessions and tokens verify who presents a token over HTTP (uploads).
	sessions *identity.Sessions
	tokens   *identity.Tokens

	stopHub context.CancelFunc
	hubDone sync.WaitGroup

	closeOnce sync.Once
}

// New starts a node: NATS (embedded or external), the stream, the hub and
// the gateway. Call Shutdown to stop it.
func New(ctx context.Context, cfg Config) (n *Node, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Node == "" {
		var b [4]byte
		rand.Read(b[:])
		cfg.Node = "n" + hex.EncodeToString(b[:])
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n = &Node{cfg: cfg, log: cfg.Logger.With("node", cfg.Node), metrics: metrics.New(true)}
	started := n // a failed New returns a nil n: stop what it started
	defer func() {
		if err != nil {
			started.close()
		}
	}()
	if err := n.checkEmbed(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	if err := n.connectNATS(); err != nil {
		return nil, err
	}
	n.metrics.AddFunc("nats_connected", "1 while the node's NATS connection is up.", func() float64 {
		if n.nats.Connected() {
			return 1
		}
		return 0
	})
	n.metrics.AddFunc("nats_reconnects", "Times the node's NATS connection was re-established.", func() float64 {
		return float64(n.nats.Reconnects())
	})
	n.metrics.AddFunc("draining", "1 while the node is shutting down.", func() float64 {
		if n.draining.Load() {
			return 1
		}
		return 0
	})
	// A deletion is remembered at least as long as a message may be edited
	// (the broker's default, 24 hours, is longer than a default window).
	var deletedAge time.Duration
	if cfg.EditWindow >= 24*time.Hour {
		deletedAge = cfg.EditWindow + time.Hour
	}
	n.broker, err = broker.NewOn(ctx, n.nats, broker.Options{
		HistorySize: cfg.HistorySize, HistoryAge: cfg.HistoryAge, DeletedAge: deletedAge,
		DuplicateWindow: cfg.DuplicateWindow, Replicas: cfg.Replicas,
		FeedSize: cfg.FeedSize, FeedAge: cfg.FeedAge,
		FilesAge: cfg.FilesAge, FilesMaxBytes: cfg.FilesMaxBytes,
		Node: cfg.Node, Logger: n.log, Metrics: n.metrics,
	})
	if err != nil {
		return nil, err
	}
	// Every node signs and verifies sessions with the same key, so a person
	// keeps their identity when their connection moves to another node.
	keys, err := n.broker.SessionKeys(ctx, identity.NewKey(), cfg.RotateSessionKey)
	if err != nil {
		return nil, err
	}
	sessions, err := identity.NewSessions(keys, 0)
	if err != nil {
		return nil, err
	}
	tokens, err := identity.NewTokens(cfg.Tokens)
	if err != nil {
		return nil, err
	}
	boot := cfg.Node
	if cfg.WebDir != "" {
		n.web, err = web.New(web.Options{
			Dir: n.cfg.WebDir, BasePath: n.cfg.BasePath, EmbedOrigins: n.cfg.EmbedOrigins, Logger: n.log,
			Snapshots: n.roomSnapshot, PrerenderMessages: n.cfg.PrerenderMessages, NoWasmCompression: n.cfg.NoWasmCompression,
		})
		if err != nil {
			return nil, err
		}
		boot = n.web.Version()
	}
	var hooks *hook.Client
	if cfg.HookURL != "" {
		opts := cfg.hookOptions()
		opts.Logger = n.log.With("component", "hook")
		opts.Metrics = n.metrics.Hook()
		if hooks, err = hook.New(opts); err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
	}
	n.hub = hub.New(n.broker, hub.Options{
		Node: cfg.Node, HistoryOnJoin: cfg.HistoryOnJoin, MaxRoomsPerConn: cfg.MaxRoomsPerConn, MaxMessageChars: cfg.MaxMessageChars,
		PresenceInterval: cfg.PresenceInterval, PresenceTTL: cfg.PresenceTTL,
		EditWindow: cfg.EditWindow, PrivateRooms: cfg.PrivateRooms, Logger: n.log,
		Metrics:   n.metrics.Hub(),
		FeedRooms: cfg.FeedRooms, FeedHistory: cfg.FeedHistory, CursorTick: cfg.CursorTick,
		FlushInterval: cfg.RoomFlushInterval, RoomFramesPerSecond: cfg.RoomFramesPerSecond,
		Hooks: hubHooks(hooks), Activity: cfg.activityLog(n.broker), ActivitySweep: cfg.ActivitySweep,
	})
	hubCtx, stop := context.WithCancel(context.Background())
	n.stopHub = stop
	n.hubDone.Go(func() { n.hub.Run(hubCtx) })
	n.counters = counter.New(n.broker, counter.Options{
		Node: cfg.Node, AnnounceInterval: cfg.PresenceInterval, AnnounceTTL: cfg.PresenceTTL,
		StateInterval: cfg.CounterStateInterval, Logger: n.log,
	})
	n.hubDone.Go(func() { n.counters.Run(hubCtx) })
	if err := n.startWebhooks(ctx, hubCtx); err != nil {
		return nil, err
	}
	// A rotation on any node reaches this one at once.
	if err := n.broker.WatchSessionKeys(hubCtx, func(keys [][]byte) {
		if err := sessions.SetKeys(keys); err != nil {
			n.log.Error("session keys", "err", err)
		}
	}); err != nil {
		return nil, err
	}
	n.gateway, err = gateway.New(n.hub, sessions, gateway.Options{
		AllowedOrigins: cfg.AllowedOrigins, MaxFrameBytes: cfg.MaxFrameBytes,
		MailboxSize: cfg.MailboxSize, PingInterval: cfg.PingInterval, PongTimeout: cfg.PongTimeout,
		MaxConns: cfg.MaxConns, MaxConnsPerIP: cfg.MaxConnsPerIP, MaxConnsPerUser: cfg.MaxConnsPerUser,
		HandshakesPerSecond: cfg.HandshakesPerSecond, MessagesPerSecond: cfg.MessagesPerSecond,
		MessageBurst: cfg.MessageBurst, JoinsPerMinute: cfg.JoinsPerMinute, CursorsPerSecond: cfg.CursorsPerSecond,
		Tokens: tokens, AdminToken: cfg.AdminToken, Boot: boot, Node: cfg.Node, Logger: n.log, Metrics: n.metrics,
		Compression: cfg.Compression, ConnectHook: connectHook(hooks),
	})
	if err != nil {
		return nil, err
	}
	n.sessions, n.tokens = sessions, tokens
	n.attach = attach.New(n.broker, attach.Options{
		MaxBytes: cfg.MaxUploadBytes, UploadsPerMinute: cfg.UploadsPerMinute,
		Authenticate: n.authenticate, CheckAccess: n.hub.CheckAccess, Logger: n.log,
	})
	n.api = api.New(n.hub, api.Options{Keys: cfg.APIKeys, RequestsPerSecond: cfg.APIRequestsPerSecond, Logger: n.log})
	n.admin, err = admin.New(admin.Options{
		Node: cfg.Node, Hub: n.hub, Bus: n.broker, Metrics: n.metrics,
		Tokens: tokens, Token: cfg.AdminToken, Logger: n.log,
		Status:  func() (bool, bool) { return n.nats.Connected(), n.draining.Load() },
		Webhook: n.webhookAPI(),
	})
	if err != nil {
		return nil, err
	}
	proxies, err := clientaddr.New(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	n.handler = proxies.Handler(mount(n.cfg.BasePath, n.routes()))
	return n, nil
}

func (n *Node) connectNATS() error {
	conn, err := broker.Connect(broker.ConnectOptions{
		URL: n.cfg.NATSURL, Name: n.cfg.Node, Logger: n.log,
		Embedded: natsd.Options{
			StoreDir:   filepath.Join(n.cfg.DataDir, "jetstream"),
			Listen:     n.cfg.NATSListen,
			SyncAlways: n.cfg.SyncAlways,
			ServerName: n.cfg.Node,
			Logger:     n.log.With("component", "nats"),
		},
	})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	n.nats = conn
	return nil
}

// Handler is the node's whole HTTP surface.
func (n *Node) Handler() http.Handler { return n.handler }

// Ready reports whether the node can serve: not shutting down, NATS
// connected, JetStream writable (see broker.Broker.Ready).
func (n *Node) Ready(ctx context.Context) error {
	if n.draining.Load() {
		return errDraining
	}
	return n.broker.Ready(ctx)
}

var errDraining = errors.New("the node is shutting down")

// Connections returns the number of open protocol connections.
func (n *Node) Connections() int { return n.gateway.Count() }

// ParkedReaders returns the number of idle connections whose reader waits
// without a goroutine of its own (Linux; 0 elsewhere).
func (n *Node) ParkedReaders() int { return n.gateway.Parked() }

// Shutdown closes every connection with code (protocol.CloseGoingAway or
// protocol.CloseRestart), waits for them until ctx ends, then stops the hub
// and NATS.
func (n *Node) Shutdown(ctx context.Context, code protocol.CloseCode) error {
	n.draining.Store(true)
	err := n.gateway.Shutdown(ctx, code)
	n.close()
	return err
}

// Abort stops the node as a crash would: its NATS connection drops first
// (no presence goodbyes reach the other nodes), then every client
// connection without a close frame. For failure tests.
func (n *Node) Abort() {
	n.draining.Store(true)
	n.nats.Drop()
	n.gateway.Abort()
	n.close()
}

// close stops whatever New started, in reverse order.
func (n *Node) close() {
	n.closeOnce.Do(func() {
		if n.admin != nil {
			n.admin.Close()
		}
		if n.stopHub != nil {
			n.stopHub()
			n.hubDone.Wait()
			n.hub.Close()
			n.counters.Close()
		}
		if n.nats != nil {
			n.nats.Close()
		}
		if n.web != nil {
			n.web.Close()
		}
	})
}

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
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/switchboard-rt/switchboard/server/attach"
	"github.com/switchboard-rt/switchboard/server/broker"
	"github.com/switchboard-rt/switchboard/server/gateway"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/identity"
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
	// PresenceInterval, PresenceTTL, EditWindow: see hub.Options.
	PresenceInterval time.Duration
	PresenceTTL      time.Duration
	EditWindow       time.Duration
	// Gateway settings: see gateway.Options for each (the zero value means
	// its default there).
	MailboxSize         int
	PingInterval        time.Duration
	PongTimeout         time.Duration
	MaxFrameBytes       int64
	AllowedOrigins      []string
	MaxConns            int
	MaxConnsPerIP       int
	MaxConnsPerUser     int
	HandshakesPerSecond float64
	MessagesPerSecond   float64
	MessageBurst        int
	JoinsPerMinute      int
	// Tokens configures the JWTs sites may vouch for their users with
	// (identity.TokenConfig). No keys: tokens are refused.
	Tokens identity.TokenConfig
	// RotateSessionKey adds a new session signing key at start; sessions
	// signed with the last broker.KeepSessionKeys keys stay valid.
	RotateSessionKey bool
	// PrivateRooms are patterns of rooms only tokens naming them may enter.
	PrivateRooms []string
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
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Node is one running Switchboard server.
type Node struct {
	cfg     Config
	log     *slog.Logger
	nats    *natsd.Server // nil with an external NATS
	nc      *nats.Conn
	broker  *broker.Broker
	hub     *hub.Hub
	gateway *gateway.Gateway
	web     *web.Web
	attach  *attach.Handler
	handler http.Handler

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
	if cfg.DataDir == "" {
		return nil, errors.New("server: DataDir is required")
	}
	n = &Node{cfg: cfg, log: cfg.Logger.With("node", cfg.Node)}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	if err := n.connectNATS(); err != nil {
		return nil, err
	}
	n.broker, err = broker.New(ctx, n.nc, broker.Options{
		HistorySize: cfg.HistorySize, HistoryAge: cfg.HistoryAge,
		DuplicateWindow: cfg.DuplicateWindow, Replicas: cfg.Replicas,
		FeedSize: cfg.FeedSize, FeedAge: cfg.FeedAge,
		FilesAge: cfg.FilesAge, FilesMaxBytes: cfg.FilesMaxBytes,
		Logger: n.log,
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
		n.web, err = web.New(web.Options{Dir: cfg.WebDir, Logger: n.log})
		if err != nil {
			return nil, err
		}
		boot = n.web.Version()
	}
	n.hub = hub.New(n.broker, hub.Options{
		Node: cfg.Node, HistoryOnJoin: cfg.HistoryOnJoin, MaxRoomsPerConn: cfg.MaxRoomsPerConn,
		PresenceInterval: cfg.PresenceInterval, PresenceTTL: cfg.PresenceTTL,
		EditWindow: cfg.EditWindow, PrivateRooms: cfg.PrivateRooms, Logger: n.log,
		FeedRooms: cfg.FeedRooms, FeedHistory: cfg.FeedHistory, CursorTick: cfg.CursorTick,
	})
	hubCtx, stop := context.WithCancel(context.Background())
	n.stopHub = stop
	n.hubDone.Go(func() { n.hub.Run(hubCtx) })
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
		Tokens: tokens, Boot: boot, Node: cfg.Node, Logger: n.log,
	})
	if err != nil {
		return nil, err
	}
	n.sessions, n.tokens = sessions, tokens
	n.attach = attach.New(n.broker, attach.Options{
		MaxBytes: cfg.MaxUploadBytes, UploadsPerMinute: cfg.UploadsPerMinute,
		Authenticate: n.authenticate, CheckAccess: n.hub.CheckAccess, Logger: n.log,
	})
	n.handler = n.routes()
	return n, nil
}

func (n *Node) connectNATS() error {
	opts := []nats.Option{
		nats.Name("switchboard " + n.cfg.Node),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		// No buffering while disconnected: a publish then fails at once,
		// so a send that got an error is never stored later behind its back.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				n.log.Warn("NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { n.log.Info("NATS reconnected", "url", c.ConnectedUrlRedacted()) }),
	}
	if n.cfg.NATSURL != "" {
		nc, err := nats.Connect(n.cfg.NATSURL, opts...)
		if err != nil {
			return fmt.Errorf("server: connect to NATS: %w", err)
		}
		n.nc = nc
		return nil
	}
	ns, err := natsd.Start(natsd.Options{
		StoreDir:   filepath.Join(n.cfg.DataDir, "jetstream"),
		Listen:     n.cfg.NATSListen,
		SyncAlways: n.cfg.SyncAlways,
		ServerName: n.cfg.Node,
		Logger:     n.log.With("component", "nats"),
	})
	if err != nil {
		return err
	}
	n.nats = ns
	nc, err := ns.Connect(opts...)
	if err != nil {
		return fmt.Errorf("server: connect to embedded NATS: %w", err)
	}
	n.nc = nc
	return nil
}

// Handler is the node's whole HTTP surface.
func (n *Node) Handler() http.Handler { return n.handler }

// Ready reports whether the node can serve: NATS connected, JetStream
// answering.
func (n *Node) Ready(ctx context.Context) error { return n.broker.Ready(ctx) }

// Connections returns the number of open protocol connections.
func (n *Node) Connections() int { return n.gateway.Count() }

// Shutdown closes every connection with code (protocol.CloseGoingAway or
// protocol.CloseRestart), waits for them until ctx ends, then stops the hub
// and NATS.
func (n *Node) Shutdown(ctx context.Context, code protocol.CloseCode) error {
	err := n.gateway.Shutdown(ctx, code)
	n.close()
	return err
}

// Abort stops the node as a crash would: its NATS connection drops first
// (no presence goodbyes reach the other nodes), then every client
// connection without a close frame. For failure tests.
func (n *Node) Abort() {
	n.nc.Close()
	n.gateway.Abort()
	n.close()
}

// close stops whatever New started, in reverse order.
func (n *Node) close() {
	n.closeOnce.Do(func() {
		if n.stopHub != nil {
			n.stopHub()
			n.hubDone.Wait()
			n.hub.Close()
		}
		if n.nc != nil {
			n.nc.Close()
		}
		if n.nats != nil {
			n.nats.Shutdown()
		}
		if n.web != nil {
			n.web.Close()
		}
	})
}

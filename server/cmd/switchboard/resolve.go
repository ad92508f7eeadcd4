package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/api"
	"github.com/switchboard-rt/switchboard/server/identity"
)

// fieldFlags names the flag of each server.Config field, so the node's own
// validation speaks in flags.
var fieldFlags = map[string]string{
	"DataDir": "data", "NATSURL": "nats-url", "NATSListen": "nats-listen", "Node": "node",
	"Replicas": "replicas", "HistorySize": "history-size", "HistoryAge": "history-age",
	"DuplicateWindow": "dedup-window", "HistoryOnJoin": "history-on-join", "PrerenderMessages": "prerender-messages",
	"MaxRoomsPerConn": "max-rooms-per-conn", "EditWindow": "edit-window", "MaxMessageChars": "max-message-chars",
	"MailboxSize": "mailbox-size", "PingInterval": "ping-interval", "PongTimeout": "pong-timeout",
	"MaxFrameBytes": "max-frame-bytes", "AllowedOrigins": "allowed-origins", "TrustedProxies": "trusted-proxies",
	"HookURL": "hook-url", "HookTimeout": "hook-timeout", "HookFailure": "hook-failure",
	"WebhookURL": "webhook-url", "WebhookMaxAttempts": "webhook-max-attempts", "WebhookMinBackoff": "webhook-min-backoff",
	"WebhookMaxBackoff": "webhook-max-backoff", "WebhookTimeout": "webhook-timeout", "WebhookHold": "webhook-hold",
	"EmbedOrigins": "embed-origins", "BasePath": "base-path", "APIKeys": "api-keys",
	"APIRequestsPerSecond": "api-requests-per-second", "CounterStateInterval": "counter-state-interval",
	"RoomFlushInterval": "room-flush-interval", "RoomFramesPerSecond": "room-frames-per-second", "FeedRooms": "feed-rooms", "FeedHistory": "feed-history", "FeedSize": "feed-size", "FeedAge": "feed-age",
	"MaxUploadBytes": "max-upload-bytes", "UploadsPerMinute": "uploads-per-minute", "FilesMaxBytes": "files-max-bytes",
	"FilesAge": "files-age", "CursorTick": "cursor-tick", "CursorsPerSecond": "cursors-per-second",
	"MaxConns": "max-conns", "MaxConnsPerIP": "max-conns-per-ip", "MaxConnsPerUser": "max-conns-per-user",
	"HandshakesPerSecond": "handshakes-per-second", "MessagesPerSecond": "messages-per-second",
	"MessageBurst": "message-burst", "JoinsPerMinute": "joins-per-minute",
	"Tokens.HS256Secret": "jwt-secret", "Tokens.Issuer": "jwt-issuer", "Tokens.Audience": "jwt-audience",
	"Tokens": "jwt-secret/--jwt-public-keys", "PrivateRooms": "private-rooms", "AdminToken": "admin-token",
}

// resolve checks every setting and builds the node's Config (with its
// logger, writing to stderr). It reports every problem at once, as a
// problemList, and starts nothing.
func (f *serveFlags) resolve(stderr io.Writer) (server.Config, error) {
	var problems problemList
	bad := func(flagName, format string, args ...any) {
		problems = append(problems, "--"+flagName+": "+fmt.Sprintf(format, args...))
	}
	cfg := f.cfg
	log, err := newLogger(f.logLevel, f.logFormat, stderr)
	for _, e := range unjoin(err) {
		if e != nil {
			problems = append(problems, e.Error())
		}
	}
	cfg.Logger = log
	cfg.NoWasmCompression = !f.compressWasm
	cfg.AllowedOrigins = f.origins
	cfg.EmbedOrigins = f.embedOrigins
	cfg.TrustedProxies = f.trustedProxies
	cfg.WebhookEvents, cfg.WebhookRooms = f.webhookEvents, f.webhookRooms
	if f.config != "" {
		var ps []string
		cfg.Webhooks, ps = readConfigWebhooks(f.config)
		problems = append(problems, ps...)
	}
	cfg.PrivateRooms = f.private
	cfg.FeedRooms = f.feedRooms
	if cfg.RoomFlushInterval == 0 {
		cfg.RoomFlushInterval = -1 // the flag's 0 means none; Config's means the default
	} else if cfg.RoomFlushInterval < 0 {
		bad("room-flush-interval", "must not be negative")
	}
	cfg.Tokens.HS256Secret = []byte(f.jwtSecret)
	if f.jwtKeys != "" {
		data, err := os.ReadFile(f.jwtKeys)
		if err != nil {
			bad("jwt-public-keys", "%v", err)
		} else if cfg.Tokens.PublicKeys, err = identity.ParsePublicKeys(data); err != nil {
			bad("jwt-public-keys", "%v", err)
		}
	}
	if f.apiKeys != "" {
		if file, err := os.Open(f.apiKeys); err != nil {
			bad("api-keys", "%v", err)
		} else {
			cfg.APIKeys, err = api.ParseKeys(file)
			file.Close()
			if err != nil {
				bad("api-keys", "%s: %v", f.apiKeys, err)
			}
		}
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		problems = append(problems, "--tls-cert and --tls-key go together: give both or neither")
	}
	for name, file := range map[string]string{"tls-cert": f.tlsCert, "tls-key": f.tlsKey} {
		if file == "" {
			continue
		}
		if _, err := os.Stat(file); err != nil {
			bad(name, "%v", err)
		}
	}
	switch f.sync {
	case "interval":
	case "always":
		cfg.SyncAlways = true
	default:
		bad("sync", "must be interval or always, not %q", f.sync)
	}
	if p := addrProblem(f.addr); p != "" {
		bad("addr", "%s", p)
	}
	if f.adminAddr != "" {
		cfg.PrivateMetrics = true
		if p := addrProblem(f.adminAddr); p != "" {
			bad("admin-addr", "%s", p)
		} else if f.adminAddr == f.addr && !strings.HasSuffix(f.addr, ":0") {
			bad("admin-addr", "must differ from --addr (it is the private listener)")
		}
	}
	if f.shutdownTimeout <= 0 {
		bad("shutdown-timeout", "must be positive, not %v", f.shutdownTimeout)
	}
	if f.readHeaderTimeout <= 0 {
		bad("read-header-timeout", "must be positive, not %v", f.readHeaderTimeout)
	}
	if f.maxHeaderBytes < 4096 {
		bad("max-header-bytes", "must be at least 4096, not %d", f.maxHeaderBytes)
	}
	cfg.WebDir = f.webDir
	switch cfg.WebDir {
	case "none":
		cfg.WebDir = "" // protocol and health endpoints only
	case "":
		exe, err := os.Executable()
		if err != nil {
			bad("web-dir", "cannot find the web folder beside the binary (%v): set it", err)
		}
		cfg.WebDir = filepath.Join(filepath.Dir(exe), "web")
	default:
		if st, err := os.Stat(cfg.WebDir); err != nil || !st.IsDir() {
			bad("web-dir", "%q is not a folder (use none to serve no web app)", cfg.WebDir)
		}
	}
	if err := cfg.Validate(); err != nil {
		for _, e := range unjoin(err) {
			var ce *server.ConfigError
			if errors.As(e, &ce) {
				name := fieldFlags[ce.Field]
				if i, ok := strings.CutPrefix(ce.Field, "Webhooks"); ok {
					problems = append(problems, fmt.Sprintf("%s: %s%s: %s", f.config, webhooksKey, i, ce.Problem))
					continue
				}
				if name == "" {
					name = ce.Field
				}
				bad(name, "%s", ce.Problem)
			} else {
				problems = append(problems, e.Error())
			}
		}
	}
	if len(problems) > 0 {
		return cfg, problems
	}
	return cfg, nil
}

// settle resolves the settings after parsing them, listing the parse's
// problems (parseErr, a problemList) and resolve's together. Any other
// parse error (a malformed command line) is returned alone.
func (f *serveFlags) settle(parseErr error, stderr io.Writer) (server.Config, error) {
	var problems problemList
	if parseErr != nil && !errors.As(parseErr, &problems) {
		return server.Config{}, parseErr
	}
	cfg, err := f.resolve(stderr)
	var more problemList
	if errors.As(err, &more) {
		problems = append(problems, more...)
	}
	if len(problems) > 0 {
		return cfg, problems
	}
	return cfg, nil
}

// unjoin returns the errors an errors.Join holds, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// addrProblem says what is wrong with a listen address, or "".
func addrProblem(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("%q is not host:port (like 127.0.0.1:8080 or :8080)", addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Sprintf("%q: the port must be a number up to 65535", addr)
	}
	return ""
}

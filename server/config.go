package server

import (
	"errors"
	"fmt"
	"github.com/switchboard-rt/switchboard/server/hook"
	"math"
	"net"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-rt/switchboard/server/clientaddr"
	"github.com/switchboard-rt/switchboard/server/gateway"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/identity"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// ConfigError is one problem with a Config: the field and what is wrong.
type ConfigError struct {
	// Field is the Config field's name (Tokens.Issuer for nested ones).
	Field   string
	Problem string
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Problem }

// Limits of the settings that have one besides being non-negative.
const (
	// MaxReplicas is JetStream's largest replica count.
	MaxReplicas = 5
	// MinFrameBytes is the smallest frame limit that still holds a hello
	// with a session token.
	MinFrameBytes = 1024
	// MinAdminToken is the shortest admin token accepted.
	MinAdminToken = 16
)

// Validate checks the whole configuration and returns every problem at
// once, joined (errors.Join of *ConfigError), or nil. Zero values mean
// defaults and are always valid; New calls it before starting anything.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &ConfigError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if c.DataDir == "" {
		bad("DataDir", "is required (JetStream keeps its files there)")
	}
	for _, u := range strings.Split(c.NATSURL, ",") {
		if u = strings.TrimSpace(u); u == "" && c.NATSURL != "" {
			bad("NATSURL", "has an empty URL in the list")
		} else if u != "" {
			if problem := natsURLProblem(u); problem != "" {
				bad("NATSURL", "%s", problem)
			}
		}
	}
	if c.NATSListen != "" {
		if c.NATSURL != "" {
			bad("NATSListen", "only applies to the embedded NATS server, not with an external NATS URL")
		} else if problem := hostPortProblem(c.NATSListen); problem != "" {
			bad("NATSListen", "%s", problem)
		}
	}
	if len(c.Node) > 64 || strings.IndexFunc(c.Node, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) >= 0 {
		bad("Node", "%q is not a node name: up to 64 letters, digits, - and _", c.Node)
	}
	if c.Replicas < 0 || c.Replicas > MaxReplicas {
		bad("Replicas", "must be 1 to %d, not %d", MaxReplicas, c.Replicas)
	}
	nonNegative := func(field string, v int64) {
		if v < 0 {
			bad(field, "must not be negative (%d)", v)
		}
	}
	nonNegativeDuration := func(field string, d time.Duration) {
		if d < 0 {
			bad(field, "must not be negative (%v)", d)
		}
	}
	nonNegative("HistorySize", c.HistorySize)
	nonNegativeDuration("HistoryAge", c.HistoryAge)
	nonNegativeDuration("DuplicateWindow", c.DuplicateWindow)
	if c.HistoryAge > 0 && c.DuplicateWindow > c.HistoryAge {
		bad("DuplicateWindow", "(%v) must not be longer than HistoryAge (%v): JetStream refuses it", c.DuplicateWindow, c.HistoryAge)
	}
	nonNegative("HistoryOnJoin", int64(c.HistoryOnJoin))
	nonNegative("MaxRoomsPerConn", int64(c.MaxRoomsPerConn))
	nonNegativeDuration("PresenceInterval", c.PresenceInterval)
	nonNegativeDuration("PresenceTTL", c.PresenceTTL)
	interval, ttl := c.PresenceInterval, c.PresenceTTL
	if interval <= 0 {
		interval = hub.DefaultPresenceInterval
	}
	if ttl <= 0 {
		ttl = hub.DefaultPresenceTTL
	}
	if c.PresenceInterval >= 0 && c.PresenceTTL >= 0 && ttl <= interval {
		bad("PresenceTTL", "(%v) must be longer than PresenceInterval (%v), or members vanish between restatements", ttl, interval)
	}
	nonNegativeDuration("EditWindow", c.EditWindow)
	nonNegative("MailboxSize", int64(c.MailboxSize))
	nonNegativeDuration("PingInterval", c.PingInterval)
	nonNegativeDuration("PongTimeout", c.PongTimeout)
	if c.MaxMessageChars < 0 || c.MaxMessageChars > protocol.MaxTextRunes {
		bad("MaxMessageChars", "must be 1 to %d, not %d", protocol.MaxTextRunes, c.MaxMessageChars)
	}
	if c.MaxFrameBytes != 0 && (c.MaxFrameBytes < MinFrameBytes || c.MaxFrameBytes > protocol.MaxFrameBytes) {
		bad("MaxFrameBytes", "must be %d to %d, not %d", MinFrameBytes, protocol.MaxFrameBytes, c.MaxFrameBytes)
	}
	for _, o := range c.AllowedOrigins {
		if _, err := gateway.Origin(o); err != nil {
			bad("AllowedOrigins", "%q: %v", o, err)
		}
	}
	if _, err := clientaddr.New(c.TrustedProxies); err != nil {
		bad("TrustedProxies", "%v", err)
	}
	c.checkWebhooks(bad)
	if c.HookURL != "" {
		o := c.hookOptions()
		if err := o.Validate(); err != nil {
			bad("HookURL", "%v", err)
		}
	} else if c.HookSecret != "" {
		bad("HookURL", "is required with a hook secret")
	}
	if f := hook.Policy(c.HookFailure); f != "" && f != hook.Refuse && f != hook.Allow {
		bad("HookFailure", "must be %s or %s, not %q", hook.Refuse, hook.Allow, c.HookFailure)
	}
	nonNegativeDuration("HookTimeout", c.HookTimeout)
	nonNegative("WebhookMaxAttempts", int64(c.WebhookMaxAttempts))
	nonNegativeDuration("WebhookMinBackoff", c.WebhookMinBackoff)
	nonNegativeDuration("WebhookMaxBackoff", c.WebhookMaxBackoff)
	nonNegativeDuration("WebhookTimeout", c.WebhookTimeout)
	nonNegativeDuration("WebhookHold", c.WebhookHold)
	nonNegative("MaxConns", int64(c.MaxConns))
	nonNegative("MaxConnsPerIP", int64(c.MaxConnsPerIP))
	nonNegative("MaxConnsPerUser", int64(c.MaxConnsPerUser))
	if c.MaxConns > 0 && c.MaxConnsPerIP > c.MaxConns {
		bad("MaxConnsPerIP", "(%d) is more than MaxConns (%d)", c.MaxConnsPerIP, c.MaxConns)
	}
	nonNegativeDuration("CounterStateInterval", c.CounterStateInterval)
	nonNegative("RoomFramesPerSecond", int64(c.RoomFramesPerSecond))
	nonNegative("FeedHistory", int64(c.FeedHistory))
	nonNegative("FeedSize", c.FeedSize)
	nonNegativeDuration("FeedAge", c.FeedAge)
	nonNegative("MaxUploadBytes", c.MaxUploadBytes)
	nonNegative("UploadsPerMinute", int64(c.UploadsPerMinute))
	nonNegative("FilesMaxBytes", c.FilesMaxBytes)
	nonNegativeDuration("FilesAge", c.FilesAge)
	nonNegativeDuration("CursorTick", c.CursorTick)
	for _, p := range c.FeedRooms {
		if _, err := path.Match(p, ""); err != nil {
			bad("FeedRooms", "%q is not a room pattern (like demo* or prices)", p)
		}
	}
	for field, v := range map[string]float64{"HandshakesPerSecond": c.HandshakesPerSecond, "MessagesPerSecond": c.MessagesPerSecond,
		"APIRequestsPerSecond": c.APIRequestsPerSecond, "CursorsPerSecond": c.CursorsPerSecond} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			bad(field, "must be a positive number, not %v", v)
		}
	}
	nonNegative("MessageBurst", int64(c.MessageBurst))
	nonNegative("JoinsPerMinute", int64(c.JoinsPerMinute))
	if len(c.Tokens.HS256Secret) > 0 && len(c.Tokens.HS256Secret) < 32 {
		bad("Tokens.HS256Secret", "needs at least 32 bytes, has %d", len(c.Tokens.HS256Secret))
	} else if len(c.Tokens.HS256Secret) > 0 || len(c.Tokens.PublicKeys) > 0 {
		if c.Tokens.Issuer == "" {
			bad("Tokens.Issuer", "is required when tokens are accepted (every token's iss must match it)")
		}
		if c.Tokens.Audience == "" {
			bad("Tokens.Audience", "is required when tokens are accepted")
		}
		if c.Tokens.Issuer != "" && c.Tokens.Audience != "" {
			if _, err := identity.NewTokens(c.Tokens); err != nil {
				bad("Tokens", "%v", err)
			}
		}
	}
	for _, p := range c.PrivateRooms {
		if _, err := path.Match(p, ""); err != nil {
			bad("PrivateRooms", "%q is not a room pattern (like team-* or ops)", p)
		}
	}
	if c.AdminToken != "" && len(c.AdminToken) < MinAdminToken {
		bad("AdminToken", "needs at least %d bytes, has %d", MinAdminToken, len(c.AdminToken))
	}
	return errors.Join(errs...)
}

// natsURLProblem says what is wrong with one NATS server URL, or "".
func natsURLProblem(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Sprintf("%q is not a URL", redactURL(s))
	}
	switch u.Scheme {
	case "nats", "tls", "ws", "wss":
	default:
		return fmt.Sprintf("%q: the scheme must be nats, tls, ws or wss", redactURL(s))
	}
	if u.Hostname() == "" {
		return fmt.Sprintf("%q has no host", redactURL(s))
	}
	return ""
}

// redactURL hides a password in a URL.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

// hostPortProblem says what is wrong with a host:port listen address, or "".
func hostPortProblem(s string) string {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Sprintf("%q is not host:port", s)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Sprintf("%q: the port must be a number up to 65535", s)
	}
	return ""
}

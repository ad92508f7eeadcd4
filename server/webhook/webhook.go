// Package webhook delivers a node's stored room events (messages, edits,
// deletes, and the rooms' activity: joins, leaves, occupied and vacated,
// kicks and bans) to a backend's URL as signed Standard Webhooks requests, from a
// durable queue of the room stream: at least once, in the order stored,
// the same webhook-id on every retry, surviving restarts, and from exactly
// one node of a cluster at a time. An event that still fails after the
// retry budget goes to the queue's dead letters.
package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"path"
	"slices"
	"strconv"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Defaults of Options.
const (
	DefaultConnectTimeout   = 5 * time.Second
	DefaultTimeout          = 10 * time.Second
	DefaultMaxAttempts      = 10
	DefaultMinBackoff       = time.Second
	DefaultMaxBackoff       = 5 * time.Minute
	DefaultMaxResponseBytes = 64 << 10
)

// Options configure a Deliverer. The zero value of each field but URL and
// Secret means its default.
type Options struct {
	// URL receives the POSTs: http or https. Required.
	URL string
	// Secret signs them: the Standard Webhooks form, "whsec_" and the
	// base64 of the key. Required.
	Secret string
	// Types the hook receives; none: every type.
	Types []protocol.WebhookType
	// Rooms are patterns (path.Match) of the rooms the hook receives;
	// none: every room.
	Rooms []string
	// ConnectTimeout bounds the TCP (and TLS) connect of one attempt,
	// Timeout the whole attempt, response read included.
	ConnectTimeout, Timeout time.Duration
	// MaxAttempts is the retry budget: an event that failed this many
	// attempts in a row goes to the dead letters.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait before a retry: it doubles
	// from MinBackoff after each failed attempt, up to MaxBackoff, with
	// jitter (a random half to whole of it).
	MinBackoff, MaxBackoff time.Duration
	// MaxResponseBytes is as much of an answer as is read (the rest is
	// dropped with the connection).
	MaxResponseBytes int64
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics receives delivery counts and latencies. Default: none kept.
	Metrics Metrics
}

// Validate checks opts as the server does at start: a bad URL or secret
// stops it with a message naming the setting.
func (o *Options) Validate() error {
	if err := CheckURL("webhook URL", o.URL); err != nil {
		return err
	}
	if err := CheckSecret("webhook secret", o.Secret); err != nil {
		return err
	}
	for _, t := range o.Types {
		if !slices.Contains(protocol.WebhookTypes, t) {
			return fmt.Errorf("webhook event type %q: want one of %v", t, protocol.WebhookTypes)
		}
	}
	for _, p := range o.Rooms {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("webhook room pattern %q: %v", p, err)
		}
	}
	return nil
}

func (o *Options) setDefaults() {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(DefaultMaxBackoff, o.MinBackoff)
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Metrics.setDefaults()
}

// redact drops a URL's credentials and query, for messages and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}

// wants reports whether the hook receives ev (of type t).
func (o *Options) wants(t protocol.WebhookType, room string) bool {
	if t == "" || (len(o.Types) > 0 && !slices.Contains(o.Types, t)) {
		return false
	}
	if len(o.Rooms) == 0 {
		return true
	}
	for _, p := range o.Rooms {
		if ok, _ := path.Match(p, room); ok {
			return true
		}
	}
	return false
}

// EventID is the webhook-id of a stored event: the same on every attempt
// and every node, as it depends only on where the event is stored.
func EventID(room, epoch string, offset uint64) string {
	sum := sha256.Sum256([]byte(room + "\x00" + epoch + "\x00" + strconv.FormatUint(offset, 10)))
	return "evt_" + hex.EncodeToString(sum[:16])
}

// ID is the webhook-id of a stored event: EventID for a room's logged
// events, and for room activity (which has no offset) a digest of the
// activity's own id, given once by the node that stored it.
func ID(ev protocol.Event) string {
	if ev.Offset > 0 {
		return EventID(ev.Room, ev.Epoch, ev.Offset)
	}
	sum := sha256.Sum256([]byte(ev.Room + "\x00activity\x00" + ev.ID))
	return "evt_" + hex.EncodeToString(sum[:16])
}

// Body returns the JSON body for a stored event.
func Body(ev protocol.Event, stored time.Time) ([]byte, error) {
	t := protocol.WebhookTypeOf(&ev)
	if t == "" {
		return nil, fmt.Errorf("no webhook for %s events", ev.Type)
	}
	return json.Marshal(protocol.WebhookBody{
		Type:      t,
		Timestamp: stored.UTC().Format(time.RFC3339Nano),
		Data: protocol.WebhookData{
			Room: ev.Room, Epoch: ev.Epoch, Offset: ev.Offset, ID: ev.ID, User: ev.User,
			Text: ev.Text, Target: ev.Target, Attachment: ev.Attachment, Time: ev.Time,
			By: ev.By, Until: ev.Until,
		},
	})
}

// backoff is the wait before retry n (1 is the first retry): doubling
// from min, at most max, a random half to whole of it.
func backoff(n int, min, max time.Duration) time.Duration {
	d := min << min64(n-1, 30)
	if d > max || d <= 0 {
		d = max
	}
	return d/2 + rand.N(d/2+1)
}

func min64(a, b int) uint { return uint(min(a, b)) }

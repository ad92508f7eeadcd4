// Package hook asks the site's backend, synchronously, whether a person
// may connect, join a room or publish a message (like Centrifugo's
// proxies): a signed POST of a protocol.HookRequest to the hook URL,
// answered by a protocol.HookAnswer. The backend may refuse with a reason
// shown to the person, or rewrite a message's text. A backend that fails
// to answer in time is a failure, which the failure policy turns into a
// refusal (the default) or an allowance. Connect and join answers are
// cached for a while per person and room; publish answers never are.
//
// A call runs on the asking connection's goroutine and holds no lock of
// the hub's, so a slow backend delays the person asking, never a room's
// fan-out or other people.
package hook

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/switchboard-rt/switchboard/server/webhook"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Policy is what a failed call (no answer in time, not 200, not a
// HookAnswer) means.
type Policy string

// Failure policies.
const (
	// Refuse: the person is told to try again (unavailable): the
	// backend's word is required. The default.
	Refuse Policy = "refuse"
	// Allow: the person goes ahead as if there were no hook.
	Allow Policy = "allow"
)

// Defaults of Options.
const (
	DefaultTimeout          = 2 * time.Second
	DefaultCacheTTL         = 30 * time.Second
	DefaultMaxResponseBytes = 16 << 10
	// MaxCached bounds the cached answers; past it the cache starts over.
	MaxCached = 10000
)

// Options configure a Client. URL and Secret are required.
type Options struct {
	// URL receives the POSTs: http or https.
	URL string
	// Secret signs them (Standard Webhooks whsec_ secret).
	Secret string
	// Timeout bounds a call, connect included (the connect alone: at most
	// a second, or Timeout if shorter).
	Timeout time.Duration
	// Failure is the failure policy. Default Refuse.
	Failure Policy
	// CacheTTL is how long a connect or join answer is reused for the same
	// person (and room). Negative: never cached.
	CacheTTL time.Duration
	// MaxResponseBytes is as much of an answer as is read.
	MaxResponseBytes int64
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
	// Metrics receives call counts and latencies. Default: none kept.
	Metrics Metrics
}

// Metrics are what a Client counts, as small interfaces the Prometheus
// collectors of package metrics satisfy (metrics.Metrics.Hook). A nil
// field counts nothing.
type Metrics struct {
	// Allowed, Refused and Failed count calls by outcome (a failure is
	// then decided by the policy); Cached counts answers from the cache.
	Allowed, Refused, Failed, Cached webhook.Counter
	// Seconds observes the time of each answered call.
	Seconds webhook.Observer
}

type uncounted struct{}

func (uncounted) Inc()            {}
func (uncounted) Observe(float64) {}

func (m *Metrics) setDefaults() {
	for _, c := range []*webhook.Counter{&m.Allowed, &m.Refused, &m.Failed, &m.Cached} {
		if *c == nil {
			*c = uncounted{}
		}
	}
	if m.Seconds == nil {
		m.Seconds = uncounted{}
	}
}

// Validate checks opts as the server does at start.
func (o *Options) Validate() error {
	if err := webhook.CheckURL("hook URL", o.URL); err != nil {
		return err
	}
	if err := webhook.CheckSecret("hook secret", o.Secret); err != nil {
		return err
	}
	if o.Failure != "" && o.Failure != Refuse && o.Failure != Allow {
		return fmt.Errorf("hook failure policy %q: want %q or %q", o.Failure, Refuse, Allow)
	}
	return nil
}

func (o *Options) setDefaults() {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Failure == "" {
		o.Failure = Refuse
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Metrics.setDefaults()
}

// Client asks the backend. Safe for concurrent use.
type Client struct {
	opts   Options
	signer *webhook.Signer

	mu    sync.Mutex
	cache map[cacheKey]cached
}

type cacheKey struct {
	kind       protocol.HookKind
	user, room string
}

type cached struct {
	perr  *protocol.Error
	until time.Time
}

// New returns a Client for opts (checked with Validate).
func New(opts Options) (*Client, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.setDefaults()
	signer, err := webhook.NewSigner(opts.URL, opts.Secret, "Switchboard-Hooks/1", min(time.Second, opts.Timeout), opts.Timeout, opts.MaxResponseBytes)
	if err != nil {
		return nil, err
	}
	return &Client{opts: opts, signer: signer, cache: make(map[cacheKey]cached)}, nil
}

// Connect asks whether u may connect.
func (c *Client) Connect(ctx context.Context, u protocol.User) *protocol.Error {
	return c.cachedCall(ctx, protocol.HookRequest{Kind: protocol.HookConnect, User: u})
}

// Join asks whether u may join room.
func (c *Client) Join(ctx context.Context, u protocol.User, room string) *protocol.Error {
	return c.cachedCall(ctx, protocol.HookRequest{Kind: protocol.HookJoin, User: u, Room: room})
}

// Publish asks whether u may say text in room (target: the message an
// edit changes, or 0), and returns the text to store: the backend's
// rewrite, or text.
func (c *Client) Publish(ctx context.Context, u protocol.User, room, text string, target uint64) (string, *protocol.Error) {
	ans, perr := c.call(ctx, protocol.HookRequest{Kind: protocol.HookPublish, User: u, Room: room, Text: text, Target: target})
	if perr != nil {
		return "", perr
	}
	if ans == nil || ans.Text == nil {
		return text, nil
	}
	if perr := protocol.ValidateText(*ans.Text); perr != nil {
		// The backend's mistake, a failure: Allow keeps the text as sent.
		c.opts.Logger.Warn("hook rewrote a message into an invalid one", "room", room, "err", perr)
		if perr := c.failed(fmt.Errorf("rewritten text: %v", perr)); perr != nil {
			return "", perr
		}
		return text, nil
	}
	return *ans.Text, nil
}

// cachedCall is call for connect and join: the answer (an allowance or a
// refusal, not a failure) is kept for CacheTTL.
func (c *Client) cachedCall(ctx context.Context, req protocol.HookRequest) *protocol.Error {
	key := cacheKey{req.Kind, req.User.ID, req.Room}
	now := c.opts.Now()
	c.mu.Lock()
	if hit, ok := c.cache[key]; ok && now.Before(hit.until) {
		c.mu.Unlock()
		c.opts.Metrics.Cached.Inc()
		return hit.perr
	}
	c.mu.Unlock()
	ans, perr := c.call(ctx, req)
	if ans == nil || c.opts.CacheTTL < 0 {
		return perr // a failure (or no cache): ask again next time
	}
	c.mu.Lock()
	if len(c.cache) >= MaxCached {
		clear(c.cache)
	}
	c.cache[key] = cached{perr: perr, until: now.Add(c.opts.CacheTTL)}
	c.mu.Unlock()
	return perr
}

// call asks the backend. It returns the answer and, for a refusal, the
// error for the person; with no usable answer (nil), the failure
// policy's verdict.
func (c *Client) call(ctx context.Context, req protocol.HookRequest) (*protocol.HookAnswer, *protocol.Error) {
	start := time.Now()
	ans, err := c.ask(ctx, req)
	if err != nil {
		c.opts.Metrics.Failed.Inc()
		c.opts.Logger.Warn("hook failed", "kind", req.Kind, "room", req.Room, "policy", c.opts.Failure, "err", err)
		return nil, c.failed(err)
	}
	c.opts.Metrics.Seconds.Observe(time.Since(start).Seconds())
	if ans.Allow {
		c.opts.Metrics.Allowed.Inc()
	} else {
		c.opts.Metrics.Refused.Inc()
	}
	if !ans.Allow {
		reason := ans.Reason
		if reason == "" || !utf8.ValidString(reason) {
			reason = "The site did not allow it."
		}
		if utf8.RuneCountInString(reason) > protocol.MaxHookReasonRunes {
			reason = string([]rune(reason)[:protocol.MaxHookReasonRunes])
		}
		return ans, &protocol.Error{Code: protocol.CodeRefused, Message: reason}
	}
	return ans, nil
}

// failed is the failure policy's verdict on a call that got no answer.
func (c *Client) failed(error) *protocol.Error {
	if c.opts.Failure == Allow {
		return nil
	}
	return protocol.Errorf(protocol.CodeUnavailable, "the site could not be asked; try again")
}

// ask POSTs req, signed, and reads the answer.
func (c *Client) ask(ctx context.Context, req protocol.HookRequest) (*protocol.HookAnswer, error) {
	body, err := json.Marshal(&req)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	id := "hk_" + strconv.FormatInt(c.opts.Now().UnixNano(), 36)
	status, data, err := c.signer.Post(ctx, id, body)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", status)
	}
	if int64(len(data)) > c.opts.MaxResponseBytes {
		return nil, fmt.Errorf("answer longer than %d bytes", c.opts.MaxResponseBytes)
	}
	var ans protocol.HookAnswer
	if err := json.Unmarshal(data, &ans); err != nil {
		return nil, fmt.Errorf("answer: %v", err)
	}
	return &ans, nil
}

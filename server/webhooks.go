package server

// The configured webhooks: the one of the flags (WebhookURL) and the
// config file's list (Webhooks), each delivered from a queue of its own,
// and their dead letters together for the admin API.

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/switchboard-rt/switchboard/server/admin"
	"github.com/switchboard-rt/switchboard/server/broker"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/webhook"
	"github.com/switchboard-rt/switchboard/shared/adminapi"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// WebhookConfig is one webhook of Config.Webhooks; zero fields but URL and
// Secret take webhook.Options' defaults.
type WebhookConfig struct {
	// Name names it in logs, metrics and the admin dashboard. Default:
	// the URL's host and path.
	Name string
	// URL receives the events, signed with Secret (whsec_).
	URL, Secret string
	// Events (webhook types) and Rooms (path.Match patterns) filter what
	// it receives; none: everything.
	Events, Rooms []string
	// MaxAttempts, MinBackoff, MaxBackoff and Timeout: see webhook.Options.
	MaxAttempts                     int
	MinBackoff, MaxBackoff, Timeout time.Duration
}

// flagWebhook is the name of the webhook set by WebhookURL.
const flagWebhook = "default"

// webhooks returns every configured webhook: WebhookURL's first (named
// flagWebhook), then Webhooks, names filled in.
func (c *Config) webhooks() []WebhookConfig {
	var out []WebhookConfig
	if c.WebhookURL != "" {
		out = append(out, WebhookConfig{
			Name: flagWebhook, URL: c.WebhookURL, Secret: c.WebhookSecret,
			Events: c.WebhookEvents, Rooms: c.WebhookRooms,
			MaxAttempts: c.WebhookMaxAttempts, MinBackoff: c.WebhookMinBackoff, MaxBackoff: c.WebhookMaxBackoff,
			Timeout: c.WebhookTimeout,
		})
	}
	for _, w := range c.Webhooks {
		if w.Name == "" {
			if u, err := url.Parse(w.URL); err == nil {
				w.Name = u.Host + u.Path
			}
		}
		out = append(out, w)
	}
	return out
}

// activityLog returns b if a webhook receives room activity (joins and
// leaves, rooms filling and emptying, kicks and bans), so that the hub
// stores it; else nil: nothing is stored that nobody reads.
func (c *Config) activityLog(b hub.ActivityLog) hub.ActivityLog {
	for _, w := range c.webhooks() {
		if len(w.Events) == 0 || slices.ContainsFunc(w.Events, func(t string) bool { return protocol.IsActivity(protocol.EventType(t)) }) {
			return b
		}
	}
	return nil
}

// options is w as webhook.Options.
func (w WebhookConfig) options() webhook.Options {
	o := webhook.Options{
		URL: w.URL, Secret: w.Secret, Rooms: w.Rooms,
		MaxAttempts: w.MaxAttempts, MinBackoff: w.MinBackoff, MaxBackoff: w.MaxBackoff,
		Timeout: w.Timeout,
	}
	for _, t := range w.Events {
		o.Types = append(o.Types, protocol.WebhookType(t))
	}
	return o
}

// checkWebhooks reports, through bad, what is wrong with the webhooks:
// each one's settings, and URLs or names used twice.
func (c *Config) checkWebhooks(bad func(field, format string, args ...any)) {
	if c.WebhookURL == "" && (c.WebhookSecret != "" || len(c.WebhookEvents) > 0 || len(c.WebhookRooms) > 0) {
		bad("WebhookURL", "is required with the other webhook settings")
	}
	urls, names := map[string]bool{}, map[string]bool{}
	fromFile := 0 // index of the first webhook of the list
	if c.WebhookURL != "" {
		fromFile = 1
	}
	for i, w := range c.webhooks() {
		field := "WebhookURL"
		if i >= fromFile {
			field = fmt.Sprintf("Webhooks[%d]", i-fromFile)
		}
		o := w.options()
		if err := o.Validate(); err != nil {
			bad(field, "%v", err)
		}
		if w.MaxAttempts < 0 || w.MinBackoff < 0 || w.MaxBackoff < 0 || w.Timeout < 0 {
			bad(field, "attempts, backoffs and timeout must not be negative")
		}
		if urls[w.URL] {
			bad(field, "a second webhook for the same URL: give one webhook its events and rooms instead")
		}
		if names[w.Name] {
			bad(field, "the name %q is used twice", w.Name)
		}
		urls[w.URL], names[w.Name] = true, true
	}
}

// startWebhooks starts delivering to every configured webhook, each from
// its own queue (named after its URL: another URL starts a queue of its
// own, from then on), until hubCtx ends.
func (n *Node) startWebhooks(ctx, hubCtx context.Context) error {
	hold := n.cfg.WebhookHold
	if hold <= 0 {
		hold = 30 * time.Second
	}
	for _, w := range n.cfg.webhooks() {
		sum := sha256.Sum256([]byte(w.URL))
		q, err := n.broker.RoomQueue(ctx, broker.QueueOptions{Name: "webhook-" + hex.EncodeToString(sum[:8]), AckWait: hold})
		if err != nil {
			return fmt.Errorf("server: webhook %s: %w", w.Name, err)
		}
		opts := w.options()
		opts.Logger = n.log.With("component", "webhook", "webhook", w.Name)
		opts.Metrics = n.metrics.Webhook(w.Name)
		d, err := webhook.New(webhookQueue{q}, hold, opts)
		if err != nil {
			return fmt.Errorf("server: webhook %s: %w", w.Name, err)
		}
		n.webhooks = append(n.webhooks, &webhookAdmin{name: w.Name, q: q, d: d})
		n.hubDone.Go(func() { d.Run(hubCtx) })
	}
	return nil
}

// webhookAdmin is one webhook's queue and deliverer, for the admin API.
type webhookAdmin struct {
	name string
	q    *broker.RoomQueue
	d    *webhook.Deliverer
}

// webhookSet lists and retries every webhook's dead letters for the admin
// API. They share one stream, so a dead letter's seq names it alone.
type webhookSet []*webhookAdmin

func (s webhookSet) DeadLetters(ctx context.Context, limit int) ([]adminapi.DeadLetter, error) {
	var out []adminapi.DeadLetter
	var errs []error
	for _, w := range s {
		letters, err := w.q.DeadLetters(ctx, limit)
		errs = append(errs, err)
		for _, l := range letters {
			ev := l.Event
			out = append(out, adminapi.DeadLetter{
				Seq: l.Seq, Webhook: w.name, ID: webhook.ID(ev), Type: protocol.WebhookTypeOf(&ev),
				Room: ev.Room, Offset: ev.Offset, Reason: l.Reason, Time: l.Time.UnixMilli(),
			})
		}
	}
	slices.SortFunc(out, func(a, b adminapi.DeadLetter) int { return cmp.Compare(a.Seq, b.Seq) })
	return out[:min(len(out), limit)], errors.Join(errs...)
}

func (s webhookSet) Retry(ctx context.Context, seq uint64) error {
	for _, w := range s {
		l, err := w.q.GetDeadLetter(ctx, seq)
		if errors.Is(err, broker.ErrNoDeadLetter) {
			continue
		}
		if err != nil {
			return err
		}
		if err := w.d.Redeliver(ctx, l.Event, time.UnixMilli(l.Event.Time)); err != nil {
			return err
		}
		return w.q.RemoveDeadLetter(ctx, seq)
	}
	return admin.ErrNoDeadLetter
}

// webhookAPI is the webhooks for the admin API: a nil interface without
// any.
func (n *Node) webhookAPI() admin.Webhook {
	if len(n.webhooks) == 0 {
		return nil
	}
	return n.webhooks
}

package server

// The site's backend in the loop: the webhook (stored events POSTed
// from a durable queue, its dead letters for the admin API) and the hooks
// (asked before connect, join and publish), wired into a node.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-rt/switchboard/server/admin"
	"github.com/switchboard-rt/switchboard/server/broker"
	"github.com/switchboard-rt/switchboard/server/hook"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/webhook"
	"github.com/switchboard-rt/switchboard/shared/adminapi"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// webhookOptions is the webhook part of c.
func (c *Config) webhookOptions() webhook.Options {
	o := webhook.Options{
		URL: c.WebhookURL, Secret: c.WebhookSecret, Rooms: c.WebhookRooms,
		MaxAttempts: c.WebhookMaxAttempts, MinBackoff: c.WebhookMinBackoff, MaxBackoff: c.WebhookMaxBackoff,
		Timeout: c.WebhookTimeout,
	}
	for _, t := range c.WebhookEvents {
		o.Types = append(o.Types, protocol.WebhookType(t))
	}
	return o
}

// hookOptions is the hook part of c.
func (c *Config) hookOptions() hook.Options {
	return hook.Options{
		URL: c.HookURL, Secret: c.HookSecret, Timeout: c.HookTimeout,
		Failure: hook.Policy(c.HookFailure), CacheTTL: c.HookCacheTTL,
	}
}

// startWebhook starts delivering to the configured webhook from its queue
// (named after the URL: another URL starts a queue of its own, from then
// on), until hubCtx ends.
func (n *Node) startWebhook(ctx, hubCtx context.Context) error {
	hold := n.cfg.WebhookHold
	if hold <= 0 {
		hold = 30 * time.Second
	}
	sum := sha256.Sum256([]byte(n.cfg.WebhookURL))
	q, err := n.broker.RoomQueue(ctx, broker.QueueOptions{Name: "webhook-" + hex.EncodeToString(sum[:8]), AckWait: hold})
	if err != nil {
		return fmt.Errorf("server: webhook: %w", err)
	}
	opts := n.cfg.webhookOptions()
	opts.Logger = n.log.With("component", "webhook")
	opts.Metrics = n.metrics.Webhook()
	d, err := webhook.New(webhookQueue{q}, hold, opts)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	n.webhook = &webhookAdmin{q: q, d: d}
	n.hubDone.Go(func() { d.Run(hubCtx) })
	return nil
}

// webhookAdmin lists and retries the webhook's dead letters for the admin
// API.
type webhookAdmin struct {
	q *broker.RoomQueue
	d *webhook.Deliverer
}

func (w *webhookAdmin) DeadLetters(ctx context.Context, limit int) ([]adminapi.DeadLetter, error) {
	letters, err := w.q.DeadLetters(ctx, limit)
	out := make([]adminapi.DeadLetter, 0, len(letters))
	for _, l := range letters {
		ev := l.Event
		out = append(out, adminapi.DeadLetter{
			Seq: l.Seq, ID: webhook.EventID(ev.Room, ev.Epoch, ev.Offset), Type: protocol.WebhookTypeOf(&ev),
			Room: ev.Room, Offset: ev.Offset, Reason: l.Reason, Time: l.Time.UnixMilli(),
		})
	}
	return out, err
}

func (w *webhookAdmin) Retry(ctx context.Context, seq uint64) error {
	l, err := w.q.GetDeadLetter(ctx, seq)
	if errors.Is(err, broker.ErrNoDeadLetter) {
		return admin.ErrNoDeadLetter
	}
	if err != nil {
		return err
	}
	if err := w.d.Redeliver(ctx, l.Event, time.UnixMilli(l.Event.Time)); err != nil {
		return err
	}
	return w.q.RemoveDeadLetter(ctx, seq)
}

// webhookQueue is a broker.RoomQueue as the webhook.Queue port.
type webhookQueue struct{ q *broker.RoomQueue }

func (w webhookQueue) Next(ctx context.Context, wait time.Duration) (*webhook.Delivery, error) {
	d, err := w.q.Next(ctx, wait)
	if d == nil {
		return nil, err
	}
	return &webhook.Delivery{
		Event: d.Event, Stored: d.Stored,
		Touch: d.Touch, Done: d.Done, DeadLetter: d.DeadLetter,
	}, err
}

// hubHooks and connectHook pass c on as the interface, or a nil interface
// when there is no hook.
func hubHooks(c *hook.Client) hub.Hooks {
	if c == nil {
		return nil
	}
	return c
}

func connectHook(c *hook.Client) interface {
	Connect(context.Context, protocol.User) *protocol.Error
} {
	if c == nil {
		return nil
	}
	return c
}

// webhookAPI is the webhook for the admin API: a nil interface without one.
func (n *Node) webhookAPI() admin.Webhook {
	if n.webhook == nil {
		return nil
	}
	return n.webhook
}

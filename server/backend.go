package server

// The site's backend in the loop: the webhook (stored events POSTed
// from a durable queue, its dead letters for the admin API) and the hooks
// (asked before connect, join and publish), wired into a node.

import (
	"context"
	"time"

	"github.com/switchboard-rt/switchboard/server/broker"
	"github.com/switchboard-rt/switchboard/server/hook"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/webhook"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// hookOptions is the hook part of c.
func (c *Config) hookOptions() hook.Options {
	return hook.Options{
		URL: c.HookURL, Secret: c.HookSecret, Timeout: c.HookTimeout,
		Failure: hook.Policy(c.HookFailure), CacheTTL: c.HookCacheTTL,
	}
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

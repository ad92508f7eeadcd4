package webhook

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Queue is the durable queue of stored room events a Deliverer drains
// (broker.RoomQueue on NATS): one event out at a time across the cluster,
// handed out again until Done or DeadLetter.
type Queue interface {
	// Next waits up to wait for the next event; nil when none came.
	Next(ctx context.Context, wait time.Duration) (*Delivery, error)
}

// Delivery is one event from the Queue and what to do with it.
type Delivery struct {
	Event  protocol.Event
	Stored time.Time
	// Touch keeps the event this node's while it retries.
	Touch func() error
	// Done removes it from the queue.
	Done func(context.Context) error
	// DeadLetter stores it in the dead letters with why, and removes it.
	DeadLetter func(ctx context.Context, reason string) error
}

// Deliverer POSTs the queue's events to one hook.
type Deliverer struct {
	q      Queue
	opts   Options
	signer *Signer
	// touchEvery is how often an event in retry is touched (a third of the
	// queue's hold time).
	touchEvery time.Duration
}

// New returns a Deliverer for opts (checked with Validate) draining q;
// hold is how long the queue lets a node keep an event untouched.
func New(q Queue, hold time.Duration, opts Options) (*Deliverer, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.setDefaults()
	signer, err := NewSigner(opts.URL, opts.Secret, "Switchboard-Webhooks/1", opts.ConnectTimeout, opts.Timeout, opts.MaxResponseBytes)
	if err != nil {
		return nil, err
	}
	return &Deliverer{
		q: q, opts: opts, signer: signer,
		touchEvery: max(hold/3, 10*time.Millisecond),
	}, nil
}

// HTTPClient is the client of outgoing calls to a backend (webhooks,
// hooks): connect (and TLS handshake) within connect, the whole call
// within total, and no redirect followed: a redirect is an answer, not an
// instruction (the URL is the operator's to fix).
func HTTPClient(connect, total time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: connect}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         dialer.DialContext,
			TLSHandshakeTimeout: connect,
			MaxIdleConns:        4,
			IdleConnTimeout:     90 * time.Second,
		},
		Timeout:       total,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// CheckURL checks a backend URL as the server does at start (absolute
// http or https, no credentials); what names the setting.
func CheckURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q: want an absolute http:// or https:// URL", what, redact(raw))
	}
	if u.User != nil {
		return fmt.Errorf("%s %q: credentials in the URL are not allowed (the signature authenticates the server)", what, redact(raw))
	}
	return nil
}

// CheckSecret checks a Standard Webhooks secret (whsec_ and base64).
func CheckSecret(what, secret string) error {
	if !strings.HasPrefix(secret, "whsec_") {
		return fmt.Errorf("%s: want the Standard Webhooks form whsec_<base64 key>", what)
	}
	if _, err := standardwebhooks.NewWebhook(secret); err != nil {
		return fmt.Errorf("%s: not whsec_ and base64: %v", what, err)
	}
	return nil
}

// Run delivers until ctx ends.
func (d *Deliverer) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		del, err := d.q.Next(ctx, 5*time.Second)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			d.opts.Logger.Warn("webhook queue", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		if del == nil {
			continue
		}
		d.handle(ctx, del)
	}
	return nil
}

// handle delivers one event, retrying with backoff until it is accepted
// or the budget is spent. If the node stops meanwhile the event stays in
// the queue, and this node or another delivers it again, with the same id.
func (d *Deliverer) handle(ctx context.Context, del *Delivery) {
	ev := del.Event
	t := protocol.WebhookTypeOf(&ev)
	if !d.opts.wants(t, ev.Room) {
		if err := del.Done(ctx); err != nil && ctx.Err() == nil {
			d.opts.Logger.Warn("webhook queue: skip", "err", err)
		}
		return
	}
	id := ID(ev)
	body, err := Body(ev, del.Stored)
	if err != nil {
		d.deadLetter(ctx, del, id, err.Error())
		return
	}
	for attempt := 1; ; attempt++ {
		start := time.Now()
		err := d.post(ctx, id, body)
		if ctx.Err() != nil {
			return // stopping: the event stays queued
		}
		if err == nil {
			d.opts.Metrics.Delivered.Inc()
			d.opts.Metrics.Seconds.Observe(time.Since(start).Seconds())
			if err := del.Done(ctx); err != nil {
				// Delivered, but the queue may hand it out again: the
				// receiver sees the same id twice (at least once).
				d.opts.Logger.Warn("webhook delivered, ack failed", "id", id, "err", err)
			}
			return
		}
		d.opts.Metrics.Failed.Inc()
		d.opts.Logger.Info("webhook attempt failed", "id", id, "room", ev.Room, "attempt", attempt, "err", err)
		if attempt >= d.opts.MaxAttempts {
			d.deadLetter(ctx, del, id, fmt.Sprintf("%d attempts failed, the last: %v", attempt, err))
			return
		}
		if !d.wait(ctx, del, backoff(attempt, d.opts.MinBackoff, d.opts.MaxBackoff)) {
			return
		}
	}
}

func (d *Deliverer) deadLetter(ctx context.Context, del *Delivery, id, reason string) {
	d.opts.Metrics.DeadLetters.Inc()
	d.opts.Logger.Warn("webhook gave up: event in the dead letters", "id", id, "room", del.Event.Room, "reason", reason)
	if err := del.DeadLetter(ctx, reason); err != nil && ctx.Err() == nil {
		d.opts.Logger.Error("webhook dead letter", "id", id, "err", err)
	}
}

// wait sleeps for pause, touching the event so the queue keeps it here;
// false if ctx ended.
func (d *Deliverer) wait(ctx context.Context, del *Delivery, pause time.Duration) bool {
	end := time.Now().Add(pause)
	for {
		left := time.Until(end)
		if left <= 0 {
			return true
		}
		if !sleep(ctx, min(left, d.touchEvery)) {
			return false
		}
		if err := del.Touch(); err != nil {
			d.opts.Logger.Warn("webhook queue: touch", "err", err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// errStatus is an answer outside 2xx.
type errStatus struct {
	code int
	body string
}

func (e *errStatus) Error() string { return fmt.Sprintf("HTTP %d %q", e.code, e.body) }

// post makes one attempt: the signed POST of body, accepted when the
// answer is 2xx.
func (d *Deliverer) post(ctx context.Context, id string, body []byte) error {
	status, answer, err := d.signer.Post(ctx, id, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return &errStatus{code: status, body: strings.TrimSpace(string(answer[:min(len(answer), 200)]))}
	}
	return nil
}

// Redeliver sends ev (stored at stored: a dead letter) once, now, as its
// first delivery did, and reports how it went.
func (d *Deliverer) Redeliver(ctx context.Context, ev protocol.Event, stored time.Time) error {
	id := ID(ev)
	body, err := Body(ev, stored)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := d.post(ctx, id, body); err != nil {
		d.opts.Metrics.Failed.Inc()
		return err
	}
	d.opts.Metrics.Delivered.Inc()
	d.opts.Metrics.Seconds.Observe(time.Since(start).Seconds())
	return nil
}

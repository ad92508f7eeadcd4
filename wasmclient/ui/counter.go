package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// counterPage is the page at "/c/{name}": a shared counter. Big − and +
// buttons change it, everyone on the page sees the value and how many are
// online. It speaks the server's /counter/{name} endpoint (the classic
// synchronisation demo's JSON) through shared/client's Counter.
//
// The page owns its connection loop: it starts in OnMount with ctx.Async,
// stops with the cancel function OnDismount calls, and everything it
// receives is applied inside ctx.Dispatch. A lost connection is retried
// after a pause that grows to counterMaxRetry.
type counterPage struct {
	app.Compo

	name string

	conn      *client.Counter // nil while disconnected
	value     int64
	online    int
	connected bool // connected at least once: the value is real
	retryAt   time.Time
	err       string // why the last action failed (an error event)

	cancel context.CancelFunc
}

// counterMaxRetry bounds the pause before reconnecting.
const counterMaxRetry = 10 * time.Second

// CompoID makes a navigation between counters replace the page.
func (c *counterPage) CompoID() string { return c.name }

// OnNav reads the counter from the URL and sets the title (server too).
func (c *counterPage) OnNav(ctx app.Context) {
	c.name = strings.TrimPrefix(ctx.Page().URL().Path, counterPrefix)
	ctx.Page().SetTitle("Counter " + c.name + " · Switchboard")
}

// OnMount runs in the browser only: it starts the connection loop.
func (c *counterPage) OnMount(ctx app.Context) {
	c.name = strings.TrimPrefix(ctx.Page().URL().Path, counterPrefix)
	lctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	name := c.name
	ctx.Async(func() { c.loop(lctx, ctx, name) })
}

// OnDismount stops the connection loop.
func (c *counterPage) OnDismount() {
	if c.cancel != nil {
		c.cancel()
	}
}

// loop connects, reports every event, and reconnects until ctx ends.
func (c *counterPage) loop(ctx context.Context, actx app.Context, name string) {
	wait := 500 * time.Millisecond
	for ctx.Err() == nil {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conn, err := client.DialCounter(dctx, counterPath+name, nil)
		cancel()
		if err == nil {
			wait = 500 * time.Millisecond
			actx.Dispatch(func(app.Context) { c.conn, c.err = conn, "" })
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			for ev := range conn.Events() {
				actx.Dispatch(func(app.Context) { c.apply(ev) })
			}
			stop()
			conn.Close()
		}
		retry := time.Now().Add(wait)
		actx.Dispatch(func(app.Context) { c.conn, c.retryAt = nil, retry })
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		wait = min(2*wait, counterMaxRetry)
	}
}

// apply takes one event from the server (UI goroutine).
func (c *counterPage) apply(ev protocol.CounterEvent) {
	switch ev.Type {
	case protocol.CounterState:
		c.value, c.connected, c.err = ev.Value, true, ""
	case protocol.CounterUsers:
		c.online = ev.Count
	case protocol.CounterError:
		c.err = ev.Message
	}
}

// onAction sends plus or minus (the write happens off the UI goroutine).
func (c *counterPage) onAction(a protocol.CounterActionType) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		conn := c.conn
		if conn == nil {
			return
		}
		ctx.Async(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := conn.Send(sctx, a); err != nil {
				ctx.Dispatch(func(app.Context) { c.err = "Not sent: the connection was lost." })
			}
		})
	}
}

func (c *counterPage) Render() app.UI {
	live := c.conn != nil
	value := "–"
	if c.connected {
		value = strconv.FormatInt(c.value, 10)
	}
	status := "Connected"
	switch {
	case live:
	case c.retryAt.IsZero():
		status = "Connecting…"
	default:
		status = "Reconnecting…"
	}
	people := strconv.Itoa(c.online) + " online"
	if !live {
		people = "–"
	}
	return landing("Counter "+c.name, "Everyone on this page shares one number. Press − or + and watch it change for all of them.",
		app.Div().Class("sb-counter").Body(
			app.Div().Class("sb-counter-row").Body(
				app.Button().
					Type("button").
					Class("sb-button sb-counter-button").
					Aria("label", "Minus one").
					Disabled(!live).
					OnClick(c.onAction(protocol.CounterMinus)).
					Text("−"),
				app.Output().
					ID(idCounterValue).
					Class("sb-counter-value").
					Aria("label", "Counter value").
					Aria("live", "polite").
					Text(value),
				app.Button().
					Type("button").
					Class("sb-button sb-button-primary sb-counter-button").
					Aria("label", "Plus one").
					Disabled(!live).
					OnClick(c.onAction(protocol.CounterPlus)).
					Text("+"),
			),
			app.Div().Class("sb-counter-meta").Body(
				app.P().Role("status").Aria("label", "Online").Class("sb-counter-online").Text(people),
				app.P().Role("status").Aria("label", "Connection").Class("sb-counter-state").Text(status),
			),
			app.If(c.err != "", func() app.UI {
				return app.P().Role("alert").Class("sb-counter-error").Text(c.err)
			}),
		),
		app.P().Class("sb-footnote").Body(app.A().Href(pathHome).Text("Back to Switchboard")),
	)
}

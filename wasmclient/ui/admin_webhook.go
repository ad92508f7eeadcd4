package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/adminapi"
)

// The webhook's dead letters on the admin page: the events the server gave
// up sending to the site's backend, each with a retry.

// applyDead takes one poll's dead letters, unless the credential changed.
func (p *adminPage) applyDead(cred string, dl adminapi.DeadLetters, err error) {
	if cred != p.cred {
		return
	}
	if err != nil {
		p.deadErr = "Cannot read the webhook's dead letters: " + sentence(err.Error())
		return
	}
	p.dead, p.deadErr = dl, ""
}

// onRetry sends dead letter seq again, once, now.
func (p *adminPage) onRetry(seq uint64) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if p.retrying != 0 {
			return
		}
		p.retrying, p.deadStatus, p.deadErr = seq, "", ""
		c := adminClient{base: app.Window().URL(), cred: p.cred}
		cred := p.cred
		ctx.Async(func() {
			rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out adminapi.Done
			err := c.post(rctx, adminapi.PathRetry, adminapi.Retry{Seq: seq}, &out)
			ctx.Dispatch(func(ctx app.Context) {
				p.retrying = 0
				if cred != p.cred {
					return
				}
				if err != nil {
					p.deadErr = "Not delivered: " + sentence(err.Error())
					return
				}
				p.deadStatus = "Delivered: the backend took it."
				p.shared.set(p.cred, p.room) // the list without it, at once
			})
		})
	}
}

func (p *adminPage) renderDeadLetters() app.UI {
	letters := p.dead.Letters
	var body app.UI
	if len(letters) == 0 {
		body = app.P().Class("sb-admin-empty").Text("None: the backend took every event.")
	} else {
		rows := make([]app.UI, 0, len(letters))
		for _, l := range letters {
			busy := p.retrying == l.Seq
			label := "Retry"
			if busy {
				label = "Retrying…"
			}
			rows = append(rows, app.Tr().Body(
				app.Th().Scope("row").Body(app.Code().Text(string(l.Type))),
				app.Td().DataSet("label", "Webhook").Text(l.Webhook),
				app.Td().DataSet("label", "Where").Body(app.Span().Class("sb-hash").Aria("hidden", true).Text("#"), app.Text(l.Room+where(l.Offset))),
				app.Td().Class("sb-admin-reason").DataSet("label", "Why").Text(l.Reason),
				app.Td().DataSet("label", "When").Text(time.UnixMilli(l.Time).Format("Jan 2 15:04:05")),
				app.Td().Class("sb-actions").Body(
					app.Button().Type("button").Class("sb-button sb-button-small").
						Aria("label", "Retry "+string(l.Type)+" for "+l.Webhook+" in #"+l.Room+strings.Replace(where(l.Offset), "@", "at ", 1)).
						Disabled(p.retrying != 0).OnClick(p.onRetry(l.Seq)).Text(label),
				),
			))
		}
		body = app.Div().Class("sb-table-wrap").Body(app.Table().Class("sb-table").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Scope("col").Text("Event"),
				app.Th().Scope("col").Text("Webhook"),
				app.Th().Scope("col").Text("Where"),
				app.Th().Scope("col").Text("Why it was given up"),
				app.Th().Scope("col").Text("When"),
				app.Th().Scope("col").Body(app.Span().Class("sr-only").Text("Actions")),
			)),
			app.TBody().Body(rows...),
		))
	}
	return app.Section().Class("sb-admin-panel").Aria("labelledby", "sb-admin-dead").Body(
		app.H2().ID("sb-admin-dead").Class("sb-admin-h2").Text("Webhook dead letters"),
		app.P().Class("sb-admin-alert").Role("status").Aria("live", "polite").Text(p.deadErr+p.deadStatus),
		body,
	)
}

// where places a dead letter in its room's log: " @offset", or nothing
// for room activity (which has no offset).
func where(offset uint64) string {
	if offset == 0 {
		return ""
	}
	return " @" + strconv.FormatUint(offset, 10)
}

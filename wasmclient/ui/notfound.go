package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// notFoundPage is the app's page for an address it has no page for: an
// unknown path, or a room or counter whose name breaks the rules. The
// server renders it (with status 404) at pathNotFound?from=<path>; in the
// browser go-app shows it for any unrouted path (app.NotFound).
type notFoundPage struct {
	app.Compo
	path string // the address asked for
}

// OnNav reads the address asked for and sets the title.
func (p *notFoundPage) OnNav(ctx app.Context) {
	u := ctx.Page().URL()
	p.path = u.Path
	if from := u.Query().Get("from"); from != "" {
		p.path = from
	}
	ctx.Page().SetTitle("Page not found · Switchboard")
}

// Render shows what went wrong and the way home.
func (p *notFoundPage) Render() app.UI {
	lead := "There is no page at this address."
	for _, prefix := range []string{roomPrefix, embedPrefix, counterPrefix} {
		if strings.HasPrefix(p.path, prefix) {
			lead = "“" + strings.TrimPrefix(p.path, prefix) + "” is not a room name: names are 1 to 64 letters, digits, - and _."
		}
	}
	return landing("Page not found", lead,
		app.A().Class("sb-button sb-button-primary sb-button-block sb-notfound-home").Href(pagePath(pathHome)).Text("Go to the rooms"),
	)
}

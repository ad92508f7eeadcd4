package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/wasmclient/shell"
)

// Routes registers the pages: "/" (home), "/r/{room}" (a room) and
// "/embed/{room}" (a room in the compact layout other sites frame),
// "/admin" (the operator's dashboard), "/inbox" (the agents' conversations)
// and "/c/{name}" (a shared counter). The wasm
// app calls it before app.RunWhenOnBrowser, and the server calls it before
// serving the pages, so both know the same pages (go-app answers 404 for a
// path it has no route for). The addresses are shell.Paths and
// shell.Patterns, which a server that does not prerender routes too.
// Call it once per process.
func Routes() {
	for _, p := range shell.Paths {
		app.Route(p, pages[p])
	}
	for _, p := range shell.Patterns {
		app.RouteWithRegexp(p, pages[p])
	}
	if app.IsClient {
		// In the browser every other path is the not-found page (go-app's
		// own takes no styling). Not on the server: there an unrouted path
		// answers 404, and the server serves PathNotFound with it.
		app.RouteWithRegexp(`^`, app.NewZeroComponentFactory(&notFoundPage{}))
	}
}

// pages is the component of each page address.
var pages = map[string]func() app.Composer{
	pathHome:       app.NewZeroComponentFactory(&home{}),
	roomPattern:    app.NewZeroComponentFactory(&roomPage{}),
	embedPattern:   newEmbedPage,
	pathAdmin:      app.NewZeroComponentFactory(&adminPage{}),
	pathInbox:      app.NewZeroComponentFactory(&inboxPage{}),
	counterPattern: app.NewZeroComponentFactory(&counterPage{}),
	PathNotFound:   app.NewZeroComponentFactory(&notFoundPage{}),
}

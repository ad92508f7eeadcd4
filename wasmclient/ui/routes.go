package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Routes registers the pages: "/" (home), "/r/{room}" (a room) and
// "/embed/{room}" (a room in the compact layout other sites frame),
// "/admin" (the operator's dashboard), "/inbox" (the agents' conversations)
// and "/c/{name}" (a shared counter). The wasm
// app calls it before app.RunWhenOnBrowser, and the server calls it before
// serving Handler, so both know the same pages (go-app answers 404 for a path
// it has no route for; shell.Paths and shell.Patterns list the same
// addresses for a server that does not prerender). Call it once per process.
func Routes() {
	app.Route(pathHome, app.NewZeroComponentFactory(&home{}))
	app.RouteWithRegexp(roomPattern, app.NewZeroComponentFactory(&roomPage{}))
	app.RouteWithRegexp(embedPattern, newEmbedPage)
	app.Route(pathAdmin, app.NewZeroComponentFactory(&adminPage{}))
	app.Route(pathInbox, app.NewZeroComponentFactory(&inboxPage{}))
	app.RouteWithRegexp(counterPattern, app.NewZeroComponentFactory(&counterPage{}))
	app.Route(PathNotFound, app.NewZeroComponentFactory(&notFoundPage{}))
	if app.IsClient {
		// In the browser every other path is the not-found page (go-app's
		// own takes no styling). Not on the server: there an unrouted path
		// answers 404, and the server serves PathNotFound with it.
		app.RouteWithRegexp(`^`, app.NewZeroComponentFactory(&notFoundPage{}))
	}
}

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
// it has no route for). Call it once per process.
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

// Handler returns the go-app handler settings of the Switchboard pages:
// names, title, colours, the stylesheet and the local icons under /web/.
// The server fills Version, Resources and WasmContentLength before serving
// it, and serves the files of wasmclient/web (app.css, icon.svg,
// icon-192.png, icon-512.png, icon-maskable-512.png) and app.wasm under /web/.
func Handler() *app.Handler {
	return &app.Handler{
		Name:        "Switchboard",
		ShortName:   "Switchboard",
		Title:       "Switchboard",
		Description: "Real-time chat rooms, written in Go.",
		Lang:        "en",
		Icon: app.Icon{
			Default:  "/web/icon-192.png",
			Large:    "/web/icon-512.png",
			SVG:      "/web/icon.svg",
			Maskable: "/web/icon-maskable-512.png",
		},
		ThemeColor:      "#4f46e5",
		BackgroundColor: "#0f1117",
		LoadingLabel:    "Loading Switchboard… {progress}%",
		Styles:          []string{"/web/app.css"},
		// Without JavaScript the app never loads: the prerendered page is
		// all there is, so the loading badge would only mislead.
		RawHeaders: []string{`<noscript><style>#app-wasm-loader{display:none}</style></noscript>`},
	}
}

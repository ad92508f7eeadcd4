// Package shell is what the server needs to know of the browser app's pages
// without compiling their components: their addresses, the keys of the
// settings it hands the app (app.Handler.Env), the prerender's query
// parameter and go-app's handler settings (names, colours, stylesheet,
// icons). Package ui builds the pages on it; the server serves them with
// it. A server built without prerendering (build tag
// switchboard_noprerender, which make dev uses) imports this package and
// not ui, so an edit of the UI or below it does not compile the UI twice.
package shell

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// The pages' addresses: the paths and patterns ui.Routes registers.
const (
	// PathHome is the home page: the active rooms and the join form.
	PathHome = "/"
	// RoomPattern matches a room page; the room name rules are those of
	// protocol.ValidateRoom.
	RoomPattern = `^/r/[A-Za-z0-9_-]{1,64}$`
	RoomPrefix  = "/r/"
	// EmbedPattern matches the compact room page the embed loader frames.
	EmbedPattern = `^/embed/[A-Za-z0-9_-]{1,64}$`
	EmbedPrefix  = "/embed/"
	// CounterPattern matches a shared counter's page (counter names follow
	// the room-name rules).
	CounterPattern = `^/c/[A-Za-z0-9_-]{1,64}$`
	CounterPrefix  = "/c/"
	// PathAdmin is the operator's dashboard.
	PathAdmin = "/admin"
	// PathInbox is the agents' inbox: the widget's support conversations.
	PathInbox = "/inbox"
	// PathNotFound is the page the server answers an unknown address with
	// (status 404), the address in its from parameter.
	PathNotFound = "/not-found"
)

// Paths and Patterns list every page address the server routes: ui.Routes
// registers a component for each, a server without prerendering an empty
// page (the app renders the real one).
var (
	Paths    = []string{PathHome, PathAdmin, PathInbox, PathNotFound}
	Patterns = []string{RoomPattern, EmbedPattern, CounterPattern}
)

// Keys of app.Handler.Env the server (or the static export) fills and the
// browser app reads with app.Getenv.
const (
	// EnvServerURL is the WebSocket URL of the server a static export talks
	// to (wss://chat.example.com/ws). Empty: the server that served the page.
	EnvServerURL = "SBAPP_SERVER_URL"
	// EnvEmbedOrigins lists, comma-separated, the exact origins allowed to
	// embed the app (the server's --embed-origins): the embed page talks to
	// its parent only when the parent is one of them.
	EnvEmbedOrigins = "SBAPP_EMBED_ORIGINS"
)

// SnapshotParam is the query parameter under which the server names the
// snapshot a page being prerendered shows. The server drops it from the
// requests it receives: only its own prerender sets it.
const SnapshotParam = "sb-snapshot"

// RoomOfPage returns the room of a room or embed page path ("/r/lobby",
// "/embed/lobby", without the base path), or "" for any other path.
func RoomOfPage(path string) string {
	for _, prefix := range []string{RoomPrefix, EmbedPrefix} {
		if room, ok := strings.CutPrefix(path, prefix); ok && protocol.ValidateRoom(room) == nil {
			return room
		}
	}
	return ""
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

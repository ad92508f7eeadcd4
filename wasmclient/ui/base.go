package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/wasmclient/shell"
)

// Where the app lives. A server may serve Switchboard under a path prefix
// (a Go program mounting it at /chat/), and a static export may talk to a
// server on another host. Both are told to the app through its app.Handler:
// go-app's Resources resolver puts the prefix in front of every path the
// server renders and passes it to the browser as GOAPP_ROOT_PREFIX; the
// server's WebSocket URL of a static export comes in EnvServerURL.

// Keys of app.Handler.Env the server (or the static export) fills and the
// browser app reads with app.Getenv.
const (
	// EnvServerURL is the WebSocket URL of the server a static export talks
	// to (wss://chat.example.com/ws). Empty: the server that served the page.
	EnvServerURL = shell.EnvServerURL
	// EnvEmbedOrigins lists, comma-separated, the exact origins allowed to
	// embed the app (the server's --embed-origins): the embed page talks to
	// its parent only when the parent is one of them.
	EnvEmbedOrigins = shell.EnvEmbedOrigins
)

// rootPrefix is the path prefix the app is served under, without a
// trailing slash ("" at the root, "/chat" when mounted at /chat/). In the
// browser it comes from go-app's GOAPP_ROOT_PREFIX; on the server it is "":
// go-app's Resources resolver adds the prefix to rendered paths there.
func rootPrefix() string {
	if !app.IsClient {
		return ""
	}
	return strings.TrimRight(app.Getenv("GOAPP_ROOT_PREFIX"), "/")
}

// pagePath returns the link to the app's page at p ("/", "/r/lobby").
func pagePath(p string) string { return rootPrefix() + p }

// appPath returns the path of a page inside the app: the request path
// without the root prefix, always starting with "/".
func appPath(path string) string {
	if pre := rootPrefix(); pre != "" {
		path = strings.TrimPrefix(path, pre)
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return path
}

// serverURL is the WebSocket URL the app connects to: the static export's
// server, or the /ws endpoint under the root prefix of the server that
// served the page (a path the browser resolves against the page).
func serverURL() string {
	if app.IsClient {
		if u := app.Getenv(EnvServerURL); u != "" {
			return u
		}
	}
	return rootPrefix() + wsPath
}

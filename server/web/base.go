package web

import (
	_ "embed"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/wasmclient/shell"
)

// CleanBasePath returns p as a path prefix: "" for the root, otherwise
// "/a/b" with one leading slash and no trailing one.
func CleanBasePath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return "/" + p
}

// workerJS is the service worker's template (see worker.js): pages come
// from the network first and from the cache when the server is down.
//
//go:embed worker.js
var workerJS string

// handler returns go-app's handler for the pages served under basePath:
// every path it renders (page links, scripts, styles, icons, the manifest,
// app.wasm, the service worker) gets the prefix, and the browser app learns
// it as GOAPP_ROOT_PREFIX.
//
// wasmPath, if set, is where app.wasm is served under a name that changes
// with its content (see versionedWasm); the pages load it from there.
func handler(basePath, version, wasmPath string, embedOrigins []string) *app.Handler {
	h := shell.Handler()
	h.Version = version
	h.Resources = wasmResolver{prefixResolver(CleanBasePath(basePath)), wasmPath}
	h.ServiceWorkerTemplate = workerJS
	h.Env = map[string]string{}
	if len(embedOrigins) > 0 {
		h.Env[shell.EnvEmbedOrigins] = strings.Join(embedOrigins, ",")
	}
	return h
}

// prefixResolver puts the base path in front of every local path. Unlike
// app.PrefixedLocation it is not an http.Handler: /web/ files are served by
// Web.Static, never by go-app. "/" resolves to "prefix/", so the browser
// app strips the whole prefix from a page's path to find its route.
type prefixResolver string

func (p prefixResolver) Resolve(location string) string {
	switch {
	case strings.HasPrefix(location, "https://"), strings.HasPrefix(location, "http://"):
		return location
	case location == "" || location == "/":
		return string(p) + "/"
	case strings.HasPrefix(location, "/"):
		return string(p) + location
	case location == "web" || strings.HasPrefix(location, "web/"):
		return string(p) + "/" + location
	}
	return location
}

// wasmResolver resolves app.wasm to its versioned path (when it has one)
// and everything else as prefixResolver does.
type wasmResolver struct {
	prefixResolver
	wasm string
}

func (r wasmResolver) Resolve(location string) string {
	if location == "/web/app.wasm" && r.wasm != "" {
		location = r.wasm
	}
	return r.prefixResolver.Resolve(location)
}

// versionedWasm is the path app.wasm is served under for a build whose
// app.wasm hashes to hash (hex): it changes whenever the bytes do, so it
// can be cached for good.
func versionedWasm(hash string) string { return "/web/app." + hash[:16] + ".wasm" }

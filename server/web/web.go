// Package web serves the browser app: go-app's pages (prerendered on the
// server from the same routes the wasm app registers, package ui; built
// with the tag switchboard_noprerender, as make dev builds it, the pages
// are empty until app.wasm renders them, and the server compiles only
// package shell of the app) and the static files
// under /web/, with app.wasm precompressed (brotli and gzip) and chosen by
// Accept-Encoding.
package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure the web app. The zero value of each field means its default.
type Options struct {
	// Dir holds app.wasm and the static files served under /web/. Required.
	Dir string
	// BasePath is the path prefix the app is served under ("/chat"; see
	// server.Config.BasePath). Default: the root.
	BasePath string
	// EmbedOrigins are the exact origins allowed to embed the app: the
	// embed page talks to its parent only if the parent is one of them.
	EmbedOrigins []string
	// Snapshots gives room pages their recent messages to prerender (see
	// Snapshots); nil prerenders them without.
	Snapshots Snapshots
	// PrerenderMessages is how many recent stored events a room page is
	// prerendered with. Default DefaultPrerenderMessages; negative: none.
	PrerenderMessages int
	// PrerenderWait bounds the wait for them. Default DefaultPrerenderWait.
	PrerenderWait time.Duration
	// NoWasmCompression serves app.wasm with the compressed copies the
	// build left beside it, if fresh, and never compresses it at start-up
	// (development mode serves app.wasm itself: the work would be wasted).
	NoWasmCompression bool
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Web is the browser app's HTTP surface.
type Web struct {
	dir     string
	version string
	log     *slog.Logger
	wasm    *precompressed
	pages   http.Handler
	static  http.Handler
}

// New prepares the app in opts.Dir: it hashes app.wasm into the build
// Version (equal on every node that serves the same build, new on every
// build) and makes sure its compressed copies exist.
func New(opts Options) (*Web, error) {
	if opts.Dir == "" {
		return nil, errors.New("web: Dir is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.PrerenderMessages == 0 {
		opts.PrerenderMessages = DefaultPrerenderMessages
	}
	if opts.PrerenderWait <= 0 {
		opts.PrerenderWait = DefaultPrerenderWait
	}
	wasmPath := filepath.Join(opts.Dir, "app.wasm")
	wasm, err := loadPrecompressed(wasmPath, !opts.NoWasmCompression, opts.Logger)
	if err != nil {
		return nil, fmt.Errorf("web: %w (build it with `make build`)", err)
	}
	version, err := buildVersion(opts.Dir, wasm.hash)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	registerRoutes()
	h := handler(opts.BasePath, version, versionedWasm(wasm.hash), opts.EmbedOrigins)
	h.WasmContentLength = strconv.FormatInt(wasm.size, 10)
	js, err := appJS(h)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return &Web{
		dir:     opts.Dir,
		version: version,
		log:     opts.Logger,
		wasm:    wasm,
		pages: notFoundPages(pagesHandler(serveAppJS(js, strconv.Quote(version)),
			&prerender{next: h, snapshots: opts.Snapshots, limit: opts.PrerenderMessages, wait: opts.PrerenderWait})),
		static: http.StripPrefix("/web/", http.FileServer(http.Dir(opts.Dir))),
	}, nil
}

// pagesHandler serves app.js (Switchboard's order of go-app's start) and
// everything else from pages.
func pagesHandler(appJS, pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/app.js" {
			appJS.ServeHTTP(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	})
}

// Close stops background work (compressing app.wasm) and waits for it.
func (w *Web) Close() { w.wasm.close() }

// Version is the build id the pages and the service worker carry.
func (w *Web) Version() string { return w.version }

// Pages serves go-app's pages and files (everything but /web/).
func (w *Web) Pages() http.Handler { return w.pages }

// Static serves /web/: app.wasm precompressed, the rest from Dir.
func (w *Web) Static() http.Handler {
	versioned := versionedWasm(w.wasm.hash)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == versioned:
			// The name changes with the bytes: a returning visitor's
			// browser uses its copy without asking.
			w.wasm.serve(rw, r, "public, max-age=31536000, immutable")
			return
		case p == "/web/app.wasm":
			w.wasm.serve(rw, r, "no-cache")
			return
		case strings.HasPrefix(p, "/web/app.") && strings.HasSuffix(p, ".wasm"):
			// Another build's app.wasm (a page cached from before a
			// deploy): this server does not have it, and must not
			// answer that name with other bytes for good.
			rw.Header().Set("Cache-Control", "no-store")
			http.Error(rw, "this server serves another build of the app; reload the page", http.StatusNotFound)
			return
		}
		rw.Header().Set("Cache-Control", "no-cache")
		rw.Header().Set("X-Content-Type-Options", "nosniff")
		w.static.ServeHTTP(rw, r)
	})
}

// routesOnce registers the app's routes with go-app once per process:
// go-app keeps them globally and appends pattern routes on every call.
var routesOnce sync.Once

func registerRoutes() { routesOnce.Do(registerPages) }

// buildVersion hashes app.wasm's hash with every other static file, so a
// CSS-only change is a new version too.
func buildVersion(dir, wasmHash string) (string, error) {
	h := sha256.New()
	h.Write([]byte(wasmHash))
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(path) {
		case ".wasm", ".gz", ".br":
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		h.Write([]byte(rel))
		h.Write(data)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

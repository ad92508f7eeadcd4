package dev

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The tabs' side of the loop. Served by switchboard-dev only.
var (
	//go:embed assets/client.js
	clientJS []byte
	//go:embed assets/worker.js
	workerJS []byte
)

// restartWait bounds how long a request waits for a restarting server.
const restartWait = 15 * time.Second

// proxy is what the browser talks to in development: it forwards to the
// server (WebSocket upgrades included), adds the dev script to every page,
// serves the newest app.wasm itself (the server reads app.wasm once, at
// start), replaces go-app's caching service worker with one that caches
// nothing, and streams build states to the tabs.
type proxy struct {
	events *broadcaster
	gate   *gate
	wasm   string // the applied app.wasm
	rp     *httputil.ReverseProxy
	log    *slog.Logger
}

func newProxy(upstream *url.URL, wasm string, events *broadcaster, g *gate, log *slog.Logger) *proxy {
	p := &proxy{events: events, gate: g, wasm: wasm, log: log}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			// The server checks a browser's Origin against the Host it was
			// asked for: keep the one the browser used.
			pr.Out.Host = pr.In.Host
			// Always a fresh answer (no 304 from an older build), and
			// uncompressed, so pages can be changed.
			for _, h := range []string{"If-None-Match", "If-Modified-Since", "Accept-Encoding"} {
				pr.Out.Header.Del(h)
			}
		},
		ModifyResponse: p.modify,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log.Debug("proxy", "path", r.URL.Path, "err", err)
			p.unavailable(w, r)
		},
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return p
}

// routes lists the development surface; everything else goes to the server.
func (p *proxy) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /_dev/events", p.events)
	mux.HandleFunc("GET /_dev/state", p.events.ServeState)
	mux.Handle("GET /_dev/client.js", asset(clientJS))
	mux.Handle("GET /app-worker.js", asset(workerJS))
	serveWasm := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFile(w, r, p.wasm)
	}
	mux.HandleFunc("GET /web/app.wasm", serveWasm)
	// The pages name app.wasm by the hash of the build the server started
	// with (/web/app.<hash>.wasm); after a UI-only rebuild the newest one
	// goes out under that name too.
	mux.HandleFunc("GET /web/{file}", func(w http.ResponseWriter, r *http.Request) {
		if f := r.PathValue("file"); strings.HasPrefix(f, "app.") && strings.HasSuffix(f, ".wasm") {
			serveWasm(w, r)
			return
		}
		p.forward(w, r)
	})
	mux.HandleFunc("/", p.forward)
	return mux
}

func asset(js []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(js)
	})
}

// forward passes the request to the server, after waiting for a restart
// to finish.
func (p *proxy) forward(w http.ResponseWriter, r *http.Request) {
	if !p.gate.wait(r.Context(), restartWait) {
		p.unavailable(w, r)
		return
	}
	p.rp.ServeHTTP(w, r)
}

// modify makes every answer uncacheable and adds the dev script to pages.
func (p *proxy) modify(resp *http.Response) error {
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return nil
	}
	h := resp.Header
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	h.Del("Last-Modified")
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || h.Get("Content-Encoding") != "" {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	body = injectScript(body, p.events.current().Build)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

// scriptTag loads the dev script, telling it the build the page comes from.
// An external script: the pages' Content-Security-Policy allows scripts
// from this origin only.
func scriptTag(build int) string {
	return fmt.Sprintf(`<script src="/_dev/client.js?build=%d" defer></script>`, build)
}

// injectScript adds the dev script at the end of the page's head.
func injectScript(page []byte, build int) []byte {
	tag := scriptTag(build)
	i := bytes.Index(page, []byte("</head>"))
	if i < 0 {
		return append(page, tag...)
	}
	out := make([]byte, 0, len(page)+len(tag))
	out = append(out, page[:i]...)
	out = append(out, tag...)
	return append(out, page[i:]...)
}

var waitingPage = template.Must(template.New("waiting").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard (development)</title>
<script src="/_dev/client.js?build={{.}}" defer></script>
</head>
<body style="font-family: system-ui, sans-serif; background: #0f1117; color: #e5e7eb; display: grid; place-items: center; min-height: 100vh; margin: 0">
<main>
<h1 style="font-weight: 600">Switchboard is not running yet</h1>
<p>make dev is building it, or waits for a build that works. This page reloads by itself.</p>
</main>
</body>
</html>
`))

// unavailable answers while there is no server: pages get a page that
// reloads itself when there is one (and shows build errors meanwhile),
// anything else a plain 503.
func (p *proxy) unavailable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		waitingPage.Execute(w, p.events.current().Build)
		return
	}
	http.Error(w, "the server is not running: see the make dev terminal", http.StatusServiceUnavailable)
}

// gateState says whether requests can go to the server.
type gateState int

const (
	serverDown       gateState = iota // not running: answer at once
	serverRestarting                  // being replaced: wait for it
	serverUp
)

// gate tells the proxy whether the server is there, and lets requests wait
// while it restarts.
type gate struct {
	mu      sync.Mutex
	state   gateState
	changed chan struct{} // closed and replaced at every change
}

func newGate() *gate { return &gate{changed: make(chan struct{})} }

func (g *gate) set(s gateState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.state = s
	close(g.changed)
	g.changed = make(chan struct{})
}

// wait reports whether the server is up, waiting at most max while it
// restarts.
func (g *gate) wait(ctx context.Context, max time.Duration) bool {
	t := time.NewTimer(max)
	defer t.Stop()
	for {
		g.mu.Lock()
		state, changed := g.state, g.changed
		g.mu.Unlock()
		switch state {
		case serverUp:
			return true
		case serverDown:
			return false
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		case <-t.C:
			return false
		}
	}
}

package server

import (
	"context"
	"net/http"
	"time"

	"github.com/switchboard-rt/switchboard/server/api"
	"github.com/switchboard-rt/switchboard/server/web"
	"github.com/switchboard-rt/switchboard/shared/adminapi"
)

// routes returns the node's HTTP surface: every route is listed here, each
// feature's handlers in their own file.
func (n *Node) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /ws", n.gateway)
	mux.Handle("GET /text/{room}/{name}", n.gateway.Text())
	mux.Handle("GET /echo", n.gateway.Echo())
	mux.Handle("GET /counter", n.gateway.Counter(n.counters))
	mux.Handle("GET /counter/{name}", n.gateway.Counter(n.counters))
	mux.Handle(api.Prefix+"/", n.api)
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(n.Ready))
	if !n.cfg.PrivateMetrics {
		mux.Handle("GET /metrics", n.MetricsHandler())
	}
	mux.Handle("GET "+adminapi.PathStats, n.admin.Stats())
	mux.Handle("GET "+adminapi.PathRooms+"{room}", n.admin.Room())
	mux.Handle("POST "+adminapi.PathRooms+"{room}"+adminapi.SuffixNote, n.admin.Action(adminapi.SuffixNote))
	mux.Handle("POST "+adminapi.PathRooms+"{room}"+adminapi.SuffixKick, n.admin.Action(adminapi.SuffixKick))
	mux.Handle("POST "+adminapi.PathRooms+"{room}"+adminapi.SuffixShut, n.admin.Action(adminapi.SuffixShut))
	mux.Handle("GET "+adminapi.PathDeadLetters, n.admin.DeadLetters())
	mux.Handle("POST "+adminapi.PathRetry, n.admin.Retry())
	mux.Handle("POST /upload", n.attach.Upload())
	mux.Handle("GET /files/{id}", n.attach.Download())
	if n.web != nil {
		mux.Handle("GET /web/", n.web.Static())
		mux.Handle("GET /embed.js", web.EmbedScript())
		mux.Handle("GET /embed.json", n.embedCheck())
		mux.Handle("GET /embed/{room}", n.embedPage(n.web.Pages()))
		// "/", "/r/{room}" and go-app's own files. (A "GET /" pattern
		// would conflict with the API's prefix, which takes any method.)
		mux.Handle("/", readOnly(n.web.Pages()))
	}
	return securityHeaders(mux)
}

// readOnly passes GET and HEAD requests to h and answers any other method
// 405, naming the two, as the mux does for its method patterns.
func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// handleHealthz answers while the process runs.
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
}

// handleReadyz answers 200 when NATS and JetStream answer, 503 otherwise.
func handleReadyz(ready func(context.Context) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
}

// contentSecurityPolicy allows what go-app needs and nothing else: scripts
// and styles from this origin (no inline scripts), WebAssembly compilation,
// the service worker and manifest, WebSocket and fetch to this origin; the
// pages may not be framed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
	"worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

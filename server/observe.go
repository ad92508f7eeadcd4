package server

import (
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves the node's metrics in the Prometheus text format
// (its own registry: several nodes in one process each have theirs).
func (n *Node) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(n.metrics.Registry, promhttp.HandlerOpts{
		ErrorLog: promLogger{n}, Registry: n.metrics.Registry,
	})
}

// AdminHandler is the operator's private surface, for a listener of its
// own (switchboard serve --admin-addr): /metrics, /healthz, /readyz and the
// Go profiler under /debug/pprof/. Never route it on the public listener.
func (n *Node) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", n.MetricsHandler())
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(n.Ready))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// promLogger passes the metrics handler's errors to the node's log.
type promLogger struct{ n *Node }

func (l promLogger) Println(v ...any) { l.n.log.Error("metrics", "err", v) }

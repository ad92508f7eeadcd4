package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/rlimit"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// benchNode is `switchboard bench node [serve flags]`: the server
// switchboard-bench starts as a separate process to measure it. It takes serve's flags but
// runs with no web app (serve always needs one: its --web-dir defaults to
// web/ beside the binary), raises its open-files limit, and prints the
// address it listens on, so --addr may be 127.0.0.1:0. With --pprof it
// also serves the Go profiler.
func benchNode(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, f := newServeFlags()
	pprof := fs.Bool("pprof", false, "also serve net/http/pprof under /debug/pprof/ (to profile the server under load)")
	if err := parse(fs, args, getenv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	liftLimits(fs)
	if _, err := rlimit.Raise(0); err != nil {
		return fmt.Errorf("raise the open-files limit: %w", err)
	}
	log, err := newLogger(f.logLevel, f.logFormat, stderr)
	if err != nil {
		return err
	}
	cfg := f.cfg
	cfg.Logger = log
	cfg.WebDir = ""
	cfg.SyncAlways = f.sync == "always"
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	node, err := server.New(ctx, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	handler := node.Handler()
	if *pprof {
		mux := http.NewServeMux()
		mux.Handle("/", handler)
		mux.HandleFunc("/debug/pprof/", httppprof.Index)
		mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", httppprof.Trace)
		handler = mux
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "Switchboard is serving at http://%s/\n", ln.Addr())
	select {
	case err = <-served:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdownTimeout)
	defer cancel()
	httpDone := make(chan struct{})
	go func() { srv.Shutdown(sctx); close(httpDone) }()
	node.Shutdown(sctx, protocol.CloseGoingAway)
	<-httpDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// benchLimits are generous values for the serve flags that limit
// connections and commands per address, per person and per connection: the
// load generator is one address opening thousands of connections and
// sending far faster than a person. Flags this build does not have are
// skipped; a flag given on the command line or in the environment wins.
var benchLimits = map[string]string{
	"max-conns":             "100000",
	"max-conns-per-ip":      "100000",
	"max-conns-per-user":    "100000",
	"handshakes-per-second": "100000",
	"messages-per-second":   "100000",
	"message-burst":         "100000",
	"joins-per-minute":      "100000",
}

func liftLimits(fs *flag.FlagSet) {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for name, v := range benchLimits {
		if fs.Lookup(name) != nil && !given[name] {
			fs.Set(name, v)
		}
	}
}

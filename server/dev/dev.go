// Package dev is the development loop behind `make dev`
// (cmd/switchboard-dev). It watches the sources of the server, the wasm app
// and the shared module; on a change it rebuilds only what the change needs
// (app.wasm, the switchboard binary or both, as `go list -deps` says),
// restarts the server only when its binary changed, and tells every open
// tab to reload, or, for a stylesheet, to swap it in place. A build that
// fails shows its compiler output in an overlay on every tab until the next
// build works.
//
// The tabs talk to a reverse proxy run by this package, in front of the
// server: it passes WebSocket upgrades through, adds a small script to
// every page (an external file, as the pages' Content-Security-Policy
// requires), streams build states to it (server-sent events), serves the
// newest app.wasm, and replaces go-app's caching service worker with one
// that caches nothing. None of it is in the switchboard binary: production
// has no reload or error endpoints.
package dev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// Options configure Run. The zero value of each field means its default.
type Options struct {
	// Root is the repository: the folder with go.work, server/, shared/ and
	// wasmclient/. Required.
	Root string
	// Out receives the builds (switchboard, web/) and the server's data
	// (data/). Default: Root/bin/dev.
	Out string
	// Listener takes the browsers' connections. Default: a listener on Addr.
	Listener net.Listener
	// Addr is where browsers connect when Listener is nil. Default
	// 127.0.0.1:8080.
	Addr string
	// ServerAddr is where the server itself listens, behind the proxy.
	// Default: a free loopback port.
	ServerAddr string
	// ServerArgs are added to `switchboard serve`. --addr and --web-dir
	// are the loop's own; --data defaults to Out/data.
	ServerArgs []string
	// Restart, when it receives, rebuilds and restarts the server (after
	// UI changes it still prerenders the previous UI).
	Restart <-chan struct{}
	// Output receives the go command's and the server's output, and Logger
	// the loop's own lines. Defaults: os.Stderr, a text logger on Output.
	Output io.Writer
	Logger *slog.Logger
	// Go is the go command. Default "go".
	Go string
}

// Timings of the loop.
const (
	// quiet is how long the files must stay unchanged before a build
	// starts: editors write a file in several steps.
	quiet = 40 * time.Millisecond
	// stopGrace is how long the server may take to stop before it is
	// killed; shutdownTimeout is what it is told (--shutdown-timeout).
	stopGrace       = 5 * time.Second
	shutdownTimeout = "2s"
	// readyTimeout bounds a server start.
	readyTimeout = 60 * time.Second
)

// Run runs the development loop until ctx ends. When it returns, every
// process it started (builds, the server) has exited.
func Run(ctx context.Context, opts Options) error {
	l, err := newLoop(opts)
	if err != nil {
		return err
	}
	if !externalNATS(l.opts.ServerArgs, os.Getenv) {
		ns, err := startNATS(l.dataDir, l.log)
		if err != nil {
			return err
		}
		defer ns.Shutdown() // after l.run stopped the server
		l.natsURL = ns.ClientURL()
		l.events.update(func(s *State) { s.NATS = l.natsURL })
	}
	ln := opts.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", l.opts.Addr); err != nil {
			return err
		}
	}
	defer ln.Close()
	if !isLoopback(ln.Addr()) {
		l.log.Warn("development mode is reachable from other machines: its endpoints show build output", "addr", ln.Addr().String())
	}
	w, err := newWatcher(l.root, l.log)
	if err != nil {
		return fmt.Errorf("watch %s: %w", l.root, err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	changes := make(chan string, 256)
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		w.run(runCtx, changes)
	}()

	upstream := &url.URL{Scheme: "http", Host: l.serverAddr}
	px := newProxy(upstream, l.livePath(wasmApp), l.events, l.gate, l.log)
	srv := &http.Server{
		Handler:           px.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		// Ending runCtx ends the event streams, so Shutdown need not wait.
		BaseContext: func(net.Listener) context.Context { return runCtx },
		ErrorLog:    slog.NewLogLogger(l.log.Handler(), slog.LevelDebug),
	}
	served := make(chan error, 1)
	serveDone := make(chan struct{})
	go func() {
		defer close(serveDone)
		served <- srv.Serve(ln)
	}()
	l.url = "http://" + ln.Addr().String() + "/"
	l.log.Info("development mode: open "+l.url, "server", l.serverAddr, "nats", l.natsURL, "out", l.out)
	if tip := hugePagesTip(HugePages()); tip != "" {
		l.log.Info("tip: " + tip)
	}

	err = l.run(runCtx, changes, served) // stops the server before it returns
	stop()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	<-serveDone
	<-watchDone
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil
	}
	return err
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// freeLoopbackAddr returns a loopback address with a port free now.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// copyFile copies src to dst through a temporary file, so the server never
// serves half a file.
func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := dst + ".dev-tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

package dev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// loop is the state of one Run. Only Run's goroutine touches it, except
// the builds, which only read the paths.
type loop struct {
	opts                      Options
	root, out                 string
	webDir, stageDir, dataDir string
	goCmd                     string
	serverAddr                string
	log                       *slog.Logger
	output                    io.Writer
	events                    *broadcaster
	gate                      *gate
	src                       *sources // nil until `go list` worked
	url                       string   // where browsers connect, for the logs
	natsURL                   string   // the loop's own NATS server ("": the developer's, or none)

	srv    *serverProc       // nil while no server runs
	staged target            // built, applied when the whole batch builds
	failed target            // failed: built again with the next change
	errs   map[target]string // compiler output of each failed binary
	// startProblem and startOutput say why the server is not running
	// (it did not start, or it stopped by itself).
	startProblem, startOutput string
	// reload is set when the tabs must reload once the builds waiting
	// are applied, not only reconnect to a restarted server (see apply).
	reload bool
	// changedAt is when the first change not yet applied was seen, and
	// timing where the time of the build that applies it went.
	changedAt time.Time
	timing    Timing
}

func newLoop(opts Options) (*loop, error) {
	if opts.Root == "" {
		return nil, errors.New("dev: Root is required")
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, err
	}
	for _, need := range []string{"go.work", "server", "shared", "wasmclient"} {
		if _, err := os.Stat(filepath.Join(root, need)); err != nil {
			return nil, fmt.Errorf("dev: %s is not the Switchboard repository (no %s)", root, need)
		}
	}
	if opts.Out == "" {
		opts.Out = filepath.Join(root, "bin", "dev")
	}
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		return nil, err
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:8080"
	}
	if opts.ServerAddr == "" {
		if opts.ServerAddr, err = freeLoopbackAddr(); err != nil {
			return nil, err
		}
	}
	if opts.Output == nil {
		opts.Output = os.Stderr
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(opts.Output, nil))
	}
	if opts.Go == "" {
		opts.Go = "go"
	}
	l := &loop{
		opts: opts, root: root, out: out,
		webDir: filepath.Join(out, "web"), stageDir: filepath.Join(out, "stage"), dataDir: filepath.Join(out, "data"),
		goCmd: opts.Go, serverAddr: opts.ServerAddr,
		log: opts.Logger.With("component", "dev"), output: opts.Output,
		events: newBroadcaster(), gate: newGate(), errs: make(map[target]string),
	}
	for _, dir := range []string{l.webDir, l.stageDir, l.dataDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	// The tabs get app.wasm from the proxy, and the server is told not to
	// compress it: copies an older switchboard-dev left are stale.
	for _, ext := range []string{".gz", ".br"} {
		os.Remove(l.livePath(wasmApp) + ext)
	}
	return l, nil
}

// cycle is one batch of builds running in its own goroutine.
type cycle struct {
	cancel context.CancelFunc
	done   chan buildResult
}

// run is the loop: it batches changed files, builds, applies and restarts,
// until ctx ends or the proxy fails.
func (l *loop) run(ctx context.Context, changes <-chan string, served <-chan error) error {
	if err := l.copyAllStatic(); err != nil {
		return err
	}
	src, err := listSources(ctx, l.goCmd, l.root)
	if err != nil {
		l.log.Warn("go list failed; every Go change rebuilds both binaries until it works", "err", err)
	}
	l.src = src

	pending := wasmApp | serverBin
	var batch []string
	debounce := time.NewTimer(0) // the first build starts at once
	defer debounce.Stop()
	var cur *cycle
	start := func() {
		if cur == nil && pending != 0 {
			cur = l.startCycle(ctx, pending)
			pending = 0
		}
	}
	defer func() {
		if cur != nil {
			cur.cancel()
			<-cur.done
		}
		l.gate.set(serverDown)
		l.stopServer()
	}()
	for {
		var done <-chan buildResult
		if cur != nil {
			done = cur.done
		}
		var exited <-chan struct{}
		if l.srv != nil {
			exited = l.srv.exited
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-served:
			return fmt.Errorf("dev: serve: %w", err)
		case f := <-changes:
			if l.changedAt.IsZero() {
				l.changedAt = time.Now()
			}
			batch = append(batch, f)
			debounce.Reset(quiet)
		case <-debounce.C:
			if len(batch) > 0 {
				t := l.plan(ctx, batch)
				batch = nil
				if t != 0 {
					pending |= t | l.failed
					l.failed = 0
					if cur != nil {
						cur.cancel() // a newer change: build again with it
					}
				} else if pending == 0 && cur == nil {
					l.changedAt = time.Time{} // nothing to build: no build's time
				}
			}
			start()
		case res := <-done:
			cur.cancel()
			cur = nil
			if res.canceled {
				pending |= res.targets
			} else {
				l.finish(ctx, res)
			}
			start()
		case <-exited:
			l.serverStopped()
		case <-l.opts.Restart:
			pending |= serverBin
			debounce.Reset(0)
		}
	}
}

// plan classifies a batch of changed files, copies the static ones at
// once, and returns the binaries to build.
func (l *loop) plan(ctx context.Context, files []string) target {
	p, unknown := classify(l.root, l.src, files)
	if len(unknown) > 0 || p.relist {
		src, err := listSources(ctx, l.goCmd, l.root)
		if err == nil {
			l.src = src
			p, unknown = classify(l.root, l.src, files)
		} else {
			l.log.Warn("go list failed", "err", err)
		}
		if l.src == nil && len(unknown) > 0 {
			p.build |= wasmApp | serverBin // the build will say what is wrong
		}
	}
	if len(p.static) > 0 {
		l.applyStatic(p)
	}
	l.reload = l.reload || p.page
	return p.build
}

// startCycle builds t in a goroutine of its own.
func (l *loop) startCycle(ctx context.Context, t target) *cycle {
	cctx, cancel := context.WithCancel(ctx)
	c := &cycle{cancel: cancel, done: make(chan buildResult, 1)}
	l.events.update(func(s *State) { s.Building = true })
	l.log.Info("building " + t.String())
	l.timing.Started = time.Now().UnixMilli()
	go func() { c.done <- l.buildAll(cctx, t) }()
	return c
}

// finish records what a batch of builds gave, and applies it when every
// binary waiting to be applied built.
func (l *loop) finish(ctx context.Context, res buildResult) {
	for _, t := range targets {
		if res.targets&t == 0 {
			continue
		}
		if out, bad := res.failed[t]; bad {
			l.failed |= t
			l.staged &^= t
			l.errs[t] = out
		} else {
			l.staged |= t
			delete(l.errs, t)
			ms := res.each[t].Milliseconds()
			if t == wasmApp {
				l.timing.WasmMS = ms
			} else {
				l.timing.ServerMS = ms
			}
		}
	}
	if len(l.errs) > 0 {
		output := l.buildOutput()
		fmt.Fprintf(l.output, "%s\n", output)
		l.log.Warn("build failed: fix it and save", "took", res.took.Round(time.Millisecond))
		l.events.update(func(s *State) {
			s.Building, s.Problem, s.Output = false, "Build failed", output
		})
		return
	}
	l.apply(ctx, res.took)
}

// buildOutput joins the compiler output of the failed binaries (once when
// both say the same, as for an error in shared/).
func (l *loop) buildOutput() string {
	var parts []string
	for _, t := range targets {
		out, bad := l.errs[t]
		if !bad || (len(parts) > 0 && parts[len(parts)-1] == out) {
			continue
		}
		parts = append(parts, out)
	}
	return strings.TrimSpace(strings.Join(parts, "\n"))
}

// apply puts the staged binaries in place, restarts the server when its
// binary changed (or it is not running), and tells the tabs: they reload
// for a new app.wasm or new page code (kind "reload"), and only reconnect
// at once to a server restarted for any other server edit (kind
// "restart": the page, its state and app.wasm stay as they are).
func (l *loop) apply(ctx context.Context, took time.Duration) {
	t := l.staged
	kind := "reload"
	if t == serverBin && !l.reload {
		kind = "restart"
	}
	if t&wasmApp != 0 {
		if err := os.Rename(l.stagePath(wasmApp), l.livePath(wasmApp)); err != nil {
			l.log.Error("apply app.wasm", "err", err)
			return
		}
		l.staged &^= wasmApp
	}
	restarted := time.Duration(0)
	if t&serverBin != 0 || l.srv == nil {
		begin := time.Now()
		if err := l.restartServer(ctx, t&serverBin != 0); err != nil {
			l.failed |= serverBin
			l.staged &^= serverBin
			l.startProblem, l.startOutput = "The server did not start", err.Error()
			fmt.Fprintf(l.output, "%s\n", err)
			l.log.Warn("the server did not start: fix it and save")
			l.events.update(func(s *State) {
				s.Building, s.Problem, s.Output = false, l.startProblem, l.startOutput
			})
			return
		}
		restarted = time.Since(begin)
	}
	l.staged, l.reload = 0, false
	l.startProblem, l.startOutput = "", ""
	timing := l.timing
	if !l.changedAt.IsZero() {
		timing.Changed = l.changedAt.UnixMilli()
	}
	timing.Applied = time.Now().UnixMilli()
	l.changedAt, l.timing = time.Time{}, Timing{}
	st := l.events.update(func(s *State) {
		s.Build++
		s.Kind, s.Building, s.Problem, s.Output = kind, false, "", ""
		s.Timing = &timing
	})
	l.log.Info("ready: tabs told", "action", kind, "url", l.url, "build", st.Build, "built", t.String(),
		"took", took.Round(time.Millisecond), "restart", restarted.Round(time.Millisecond), "tabs", l.events.tabs())
}

// restartServer stops the server, puts a new binary in place if there is
// one, and starts it again. Requests wait meanwhile.
func (l *loop) restartServer(ctx context.Context, newBinary bool) (err error) {
	l.gate.set(serverRestarting)
	defer func() {
		if err != nil {
			l.gate.set(serverDown)
		}
	}()
	begin := time.Now()
	l.stopServer()
	l.timing.StopMS = time.Since(begin).Milliseconds()
	bin := l.livePath(serverBin)
	if newBinary {
		if err := os.Rename(l.stagePath(serverBin), bin); err != nil {
			return err
		}
	}
	// The proxy serves app.wasm itself: the server need not compress it.
	args := []string{"serve", "--data", l.dataDir, "--shutdown-timeout", shutdownTimeout, "--compress-wasm=false"}
	if l.natsURL != "" {
		args = append(args, "--nats-url", l.natsURL)
	}
	args = append(args, l.opts.ServerArgs...)
	args = append(args, "--addr", l.serverAddr, "--web-dir", l.webDir)
	begin = time.Now()
	srv, err := startServer(bin, args, l.output)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := srv.waitReady(rctx, "http://"+l.serverAddr+"/readyz"); err != nil {
		srv.stop(stopGrace)
		return fmt.Errorf("%v\n\n%s", err, srv.output.String())
	}
	l.srv = srv
	l.timing.StartMS = time.Since(begin).Milliseconds()
	l.gate.set(serverUp)
	return nil
}

// stopServer stops the running server, if any. The caller says what the
// proxy should do meanwhile (l.gate).
func (l *loop) stopServer() {
	if l.srv == nil {
		return
	}
	l.srv.stop(stopGrace)
	l.srv = nil
}

// serverStopped handles a server that exited by itself: the tabs show
// why, and the next change rebuilds and restarts it.
func (l *loop) serverStopped() {
	srv := l.srv
	l.srv = nil
	l.gate.set(serverDown)
	l.failed |= serverBin
	l.startProblem = "The server stopped"
	l.startOutput = fmt.Sprintf("%v\n\n%s", srv.err, srv.output.String())
	l.log.Warn("the server stopped by itself: fix it and save", "err", srv.err)
	if len(l.errs) > 0 {
		return // the build error shows already
	}
	l.events.update(func(s *State) { s.Problem, s.Output = l.startProblem, l.startOutput })
}

// copyAllStatic copies wasmclient/web into Out/web, as `make web` does.
func (l *loop) copyAllStatic() error {
	src := filepath.Join(l.root, filepath.FromSlash(staticPrefix))
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || ignoredName(d.Name()) {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		return copyFile(p, filepath.Join(l.webDir, rel))
	})
}

// applyStatic copies (or removes) the changed static files and tells the
// tabs: stylesheets are swapped in place, anything else reloads the page.
func (l *loop) applyStatic(p plan) {
	for _, f := range p.static {
		src := filepath.Join(l.root, filepath.FromSlash(staticPrefix+f))
		dst := filepath.Join(l.webDir, filepath.FromSlash(f))
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			os.Remove(dst)
			continue
		}
		if err := copyFile(src, dst); err != nil {
			l.log.Warn("copy static file", "file", f, "err", err)
		}
	}
	kind := "reload"
	if p.css() {
		kind = "css"
	}
	st := l.events.update(func(s *State) { s.Build++; s.Kind = kind })
	l.log.Info("static files copied", "files", strings.Join(p.static, ","), "build", st.Build, "tabs", l.events.tabs(), "action", kind)
}

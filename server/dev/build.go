package dev

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// buildResult is the outcome of building some binaries at once.
type buildResult struct {
	targets  target            // what was built (or tried)
	failed   map[target]string // compiler output of each failed binary
	canceled bool              // a newer change stopped the builds
	took     time.Duration
	each     map[target]time.Duration // how long each binary's build took
}

// buildAll builds each binary of t into its staging path, side by side,
// and waits for them all.
func (l *loop) buildAll(ctx context.Context, t target) buildResult {
	start := time.Now()
	res := buildResult{targets: t, failed: make(map[target]string), each: make(map[target]time.Duration)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, one := range targets {
		if t&one == 0 {
			continue
		}
		wg.Go(func() {
			begin := time.Now()
			out, err := l.build(ctx, one)
			mu.Lock()
			defer mu.Unlock()
			res.each[one] = time.Since(begin)
			if err == nil {
				return
			}
			if ctx.Err() != nil {
				res.canceled = true
				return
			}
			if strings.TrimSpace(out) == "" {
				out = err.Error()
			}
			res.failed[one] = out
		})
	}
	wg.Wait()
	res.took = time.Since(start)
	return res
}

// build runs `go build` for one binary in a process group of its own, which
// is killed when ctx ends. It returns the go command's output.
//
// -trimpath makes the build cache work for any copy of the repository (the
// tests build a copy); -s -w leave out the symbol table and DWARF, which
// makes the server's link about 40% cheaper (stack traces still work; debug
// with Delve on a `go build` of your own). devGCFlags turns off inlining
// in the repository's own packages.
func (l *loop) build(ctx context.Context, t target) (string, error) {
	spec := t.spec()
	args := append([]string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", devGCFlags}, spec.flags...)
	cmd := exec.CommandContext(ctx, l.goCmd, append(args, "-o", l.stagePath(t), spec.pkg)...)
	cmd.Dir = l.root
	cmd.Env = append(os.Environ(), spec.env...)
	ownGroup(cmd)
	cmd.Cancel = func() error { return kill(cmd) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// devGCFlags compiles the repository's packages without inlining
// (-l): a quarter less compile for each edited package and each one
// above it (`wasmclient/ui`: 1.36 s → 0.99 s, go build -gcflags=-bench),
// for code a little slower at run time, which make dev does not notice.
// Dependencies keep the flags `make build` compiled them with, so their
// build cache is shared.
const devGCFlags = "-gcflags=github.com/switchboard-rt/switchboard/...=-l"

// stagePath is where a fresh build of t waits until every build of its
// batch succeeded.
func (l *loop) stagePath(t target) string {
	if t == wasmApp {
		return filepath.Join(l.stageDir, "app.wasm")
	}
	return filepath.Join(l.stageDir, "switchboard")
}

// livePath is where the applied build of t is.
func (l *loop) livePath(t target) string {
	if t == wasmApp {
		return filepath.Join(l.webDir, "app.wasm")
	}
	return filepath.Join(l.out, "switchboard")
}

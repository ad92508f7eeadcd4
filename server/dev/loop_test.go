package dev

import (
	"context"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The test binary stands in for the switchboard binary when
// SWITCHBOARD_DEV_TEST_SERVER names a file: it serves on --addr once that
// file exists, so a test can hold a restart half-way.
func TestMain(m *testing.M) {
	if gate := os.Getenv("SWITCHBOARD_DEV_TEST_SERVER"); gate != "" {
		os.Exit(standInServer(gate, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func standInServer(gate string, args []string) int {
	var addr string
	for i, a := range args {
		if a == "--addr" && i+1 < len(args) {
			addr = args[i+1]
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(gate); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return 0
		case <-tick.C:
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return 1
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "stand-in "+r.URL.Path)
	})}
	go srv.Serve(ln)
	<-ctx.Done()
	srv.Close()
	return 0
}

// TestRequestsWaitForRestart restarts a server (the stand-in) behind the
// proxy and holds the new one before it listens: a request made then waits
// and reaches the new server, instead of failing.
func TestRequestsWaitForRestart(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	started := filepath.Join(t.TempDir(), "may-listen")
	t.Setenv("SWITCHBOARD_DEV_TEST_SERVER", started)
	l, err := newLoop(Options{
		Root: root, Out: t.TempDir(), Output: t.Output(),
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, l.livePath(serverBin)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.gate.set(serverDown)
		l.stopServer()
	})
	u := &url.URL{Scheme: "http", Host: l.serverAddr}
	front := httptest.NewServer(newProxy(u, l.livePath(wasmApp), l.events, l.gate, l.log).routes())
	t.Cleanup(front.Close)

	if err := os.WriteFile(started, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := l.restartServer(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(started); err != nil {
		t.Fatal(err)
	}
	restarted := make(chan error, 1)
	go func() { restarted <- l.restartServer(t.Context(), false) }()
	waited := false
	t.Cleanup(func() { // before stopServer: the restart owns l.srv until it returns
		if !waited {
			os.WriteFile(started, nil, 0o644)
			<-restarted
		}
	})
	// The old server is gone (its port is closed) and the new one waits.
	testnode.WaitFor(t, 10*time.Second, "the old server to stop", func() bool {
		c, err := net.Dial("tcp", l.serverAddr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	l.gate.mu.Lock()
	state := l.gate.state
	l.gate.mu.Unlock()
	if state != serverRestarting {
		t.Fatalf("gate %d during the restart, want %d (requests wait)", state, serverRestarting)
	}
	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get(front.URL + "/readyz")
		if err != nil {
			answer <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- string(body)
	}()
	if err := os.WriteFile(started, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := <-answer; got != "stand-in /readyz" {
		t.Errorf("a request during the restart got %q, want the new server's answer", got)
	}
	err = <-restarted
	waited = true
	if err != nil {
		t.Fatal(err)
	}
}

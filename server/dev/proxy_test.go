package dev

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// testProxy runs a proxy in front of a real upstream: an HTML page at /,
// a stylesheet at /web/app.css, and a WebSocket echo at /ws that reports
// the Host it was asked for.
func testProxy(t *testing.T) (base string, p *proxy, g *gate) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("ETag", `"v1"`)
		io.WriteString(w, "<!doctype html><html><head><title>t</title></head><body>page</body></html>")
	})
	mux.HandleFunc("GET /web/app.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		io.WriteString(w, "body{}")
	})
	mux.HandleFunc("GET /ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		typ, msg, err := c.Read(r.Context())
		if err != nil {
			return
		}
		c.Write(r.Context(), typ, append(msg, " via "+r.Host...))
		c.Close(websocket.StatusNormalClosure, "")
	})
	up := httptest.NewServer(mux)
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	wasm := filepath.Join(t.TempDir(), "app.wasm")
	if err := os.WriteFile(wasm, []byte("\x00asm fresh"), 0o644); err != nil {
		t.Fatal(err)
	}
	g = newGate()
	p = newProxy(u, wasm, newBroadcaster(), g, slog.New(slog.DiscardHandler))
	front := httptest.NewServer(p.routes())
	t.Cleanup(front.Close)
	return front.URL, p, g
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestProxy(t *testing.T) {
	base, p, g := testProxy(t)
	g.set(serverUp)
	p.events.update(func(s *State) { s.Build = 3 })

	t.Run("pages get the dev script and are not cached", func(t *testing.T) {
		resp, body := get(t, base+"/", "If-None-Match", `"v1"`)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200 (the proxy drops conditional headers)", resp.StatusCode)
		}
		want := `<script src="/_dev/client.js?build=3" defer></script></head>`
		if !strings.Contains(body, want) {
			t.Errorf("page %q does not hold %q", body, want)
		}
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("ETag") != "" {
			t.Errorf("headers %v: want no-store and no ETag", resp.Header)
		}
		if resp.ContentLength != int64(len(body)) {
			t.Errorf("Content-Length %d for %d bytes", resp.ContentLength, len(body))
		}
	})
	t.Run("other files pass unchanged", func(t *testing.T) {
		_, body := get(t, base+"/web/app.css")
		if body != "body{}" {
			t.Errorf("stylesheet %q", body)
		}
	})
	t.Run("app.wasm comes from the dev build", func(t *testing.T) {
		// Under its plain name, and under the versioned name the pages use
		// (the hash of the build the server started with).
		for _, path := range []string{"/web/app.wasm", "/web/app.0123456789abcdef.wasm"} {
			resp, body := get(t, base+path)
			if body != "\x00asm fresh" || resp.Header.Get("Content-Type") != "application/wasm" {
				t.Errorf("%s: %q (%s)", path, body, resp.Header.Get("Content-Type"))
			}
		}
	})
	t.Run("the service worker caches nothing", func(t *testing.T) {
		_, body := get(t, base+"/app-worker.js")
		if body != string(workerJS) || strings.Contains(body, "respondWith") {
			t.Errorf("worker %q is not the dev worker", body)
		}
	})
	t.Run("WebSockets pass through with the browser's Host", func(t *testing.T) {
		ctx := t.Context()
		c, _, err := websocket.Dial(ctx, base+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if err := c.Write(ctx, websocket.MessageText, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		_, msg, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := "hi via " + strings.TrimPrefix(base, "http://"); string(msg) != want {
			t.Errorf("echo %q, want %q", msg, want)
		}
	})
}

func TestProxyWithoutServer(t *testing.T) {
	base, _, g := testProxy(t)
	g.set(serverDown)
	resp, body := get(t, base+"/", "Accept", "text/html")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `src="/_dev/client.js?build=0"`) {
		t.Errorf("page while down: %d %q, want 503 with the dev script", resp.StatusCode, body)
	}
	resp, _ = get(t, base+"/ws")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/ws while down: %d, want 503", resp.StatusCode)
	}

	// While restarting, a request waits and goes through once it is up.
	g.set(serverRestarting)
	done := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/web/app.css")
		if err != nil {
			done <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- string(body)
	}()
	select {
	case got := <-done:
		t.Fatalf("answered %q while the server restarts", got)
	case <-time.After(100 * time.Millisecond): // nothing must come: a negative check
	}
	g.set(serverUp)
	if got := <-done; got != "body{}" {
		t.Errorf("after the restart: %q", got)
	}
}

// TestEvents reads the event stream as a tab does: the state at once,
// then every change.
func TestEvents(t *testing.T) {
	base, p, _ := testProxy(t)
	resp, err := http.Get(base + "/_dev/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	next := func() State {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var s State
				if err := json.Unmarshal([]byte(data), &s); err != nil {
					t.Fatal(err)
				}
				return s
			}
		}
	}
	if s := next(); s.Build != 0 || s.Building {
		t.Errorf("first state %+v", s)
	}
	p.events.update(func(s *State) { s.Building = true })
	if s := next(); !s.Building {
		t.Errorf("state %+v, want building", s)
	}
	p.events.update(func(s *State) { s.Building, s.Problem, s.Output = false, "Build failed", "x.go:1: oops" })
	if s := next(); s.Problem != "Build failed" || s.Output != "x.go:1: oops" {
		t.Errorf("state %+v, want the build error", s)
	}
	p.events.update(func(s *State) { s.Build, s.Kind, s.Problem, s.Output = 1, "css", "", "" })
	if s := next(); s.Build != 1 || s.Kind != "css" || s.Problem != "" {
		t.Errorf("state %+v, want build 1 (css)", s)
	}
	if n := p.events.tabs(); n != 1 {
		t.Errorf("%d tabs listening, want 1", n)
	}
}

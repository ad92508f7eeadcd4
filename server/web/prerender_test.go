package web

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/switchboard-rt/switchboard/shared/protocol"
	"github.com/switchboard-rt/switchboard/wasmclient/ui"
)

// fakeWebDir is a web folder with a tiny stand-in app.wasm and stylesheet.
func fakeWebDir(t *testing.T) string {
	dir := t.TempDir()
	for name, data := range map[string]string{"app.wasm": "\x00asm" + strings.Repeat("x", 100), "app.css": "body{}"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Room pages are served with what Snapshots gives for their room (the
// message text and the seed the app starts from), never from go-app's
// build-wide revalidation, and only from this handler's own snapshots.
func TestPrerenderRoomPages(t *testing.T) {
	t.Parallel()
	dir := fakeWebDir(t)
	var asked []int
	snapshots := func(_ context.Context, room string, limit int) (protocol.Event, bool) {
		asked = append(asked, limit)
		if room != "lobby" {
			return protocol.Event{}, false // private
		}
		return protocol.Event{Type: protocol.EvHistory, Room: room, Events: []protocol.Event{
			{Type: protocol.EvMessage, Room: room, Offset: 7, User: &protocol.User{ID: "u1", Name: "ann"}, Text: `hello "world" <b>`, Time: 1},
		}}, true
	}
	w, err := New(Options{Dir: dir, Snapshots: snapshots, PrerenderMessages: 12, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	get := func(path, etag string) (int, string, string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		w.Pages().ServeHTTP(rec, req)
		return rec.Code, rec.Body.String(), rec.Header().Get("ETag")
	}

	// The build's ETag, as go-app gives it for every other page.
	_, _, buildTag := get("/", "")
	if buildTag == "" {
		t.Fatal("go-app gave the home page no ETag")
	}
	for _, path := range []string{"/r/lobby", "/embed/lobby"} {
		code, body, tag := get(path, buildTag)
		if code != 200 || tag != "" {
			t.Fatalf("%s revalidated with the build's ETag: %d, ETag %q", path, code, tag)
		}
		if !strings.Contains(body, `hello &#34;world&#34; &lt;b&gt;`) {
			t.Errorf("%s does not show the message", path)
		}
		// HTML reads any boolean attribute as true, open="false" too: a
		// panel the app keeps closed would be open until the app runs.
		if m := regexp.MustCompile(`\s(open|hidden|disabled|checked)="false"`).FindString(body); m != "" {
			t.Errorf("%s holds %q, which HTML reads as true", path, strings.TrimSpace(m))
		}
		seed := regexp.MustCompile(`data-seed="([A-Za-z0-9+/=]+)"`).FindStringSubmatch(body)
		if seed == nil {
			t.Fatalf("%s carries no seed", path)
		}
		data, err := base64.StdEncoding.DecodeString(seed[1])
		if err != nil {
			t.Fatal(err)
		}
		ev, err := protocol.DecodeEvent(data)
		if err != nil || ev.Room != "lobby" || len(ev.Events) != 1 || ev.Events[0].Text != `hello "world" <b>` {
			t.Fatalf("%s: seed %+v, %v", path, ev, err)
		}
	}
	if len(asked) != 2 || asked[0] != 12 {
		t.Errorf("Snapshots asked with limits %v, want 12 twice", asked)
	}
	if _, body, _ := get("/r/team", ""); strings.Contains(body, "data-seed") || strings.Contains(body, "hello") {
		t.Error("a room without a snapshot is prerendered with one")
	}
	// A key in the request is not the server's: a snapshot held for
	// another request is never shown through it.
	held, release := ui.HoldSnapshot(protocol.Event{Type: protocol.EvHistory, Room: "team",
		Events: []protocol.Event{{Type: protocol.EvMessage, Room: "team", Offset: 1, Text: "secret"}}})
	defer release()
	if _, body, _ := get("/r/team?"+ui.SnapshotParam+"="+held, ""); strings.Contains(body, "data-seed") || strings.Contains(body, "secret") {
		t.Error("a snapshot key from the request was used")
	}
	if _, body, _ := get("/r/nope!", ""); strings.Contains(body, "data-seed") {
		t.Error("an invalid room name was prerendered")
	}
}

// The pages load Switchboard's app.js (go-app's, started after the first
// paint) and service worker (pages network first, kept for offline use).
func TestAppScripts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, data := range map[string]string{"app.wasm": "\x00asm" + strings.Repeat("y", 100), "app.css": "body{}"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := New(Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	get := func(path, etag string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		w.Pages().ServeHTTP(rec, req)
		return rec
	}
	js := get("/app.js", "")
	if body := js.Body.String(); js.Code != 200 || !strings.Contains(body, appJSAfter) || strings.Contains(body, appJSStart) ||
		js.Header().Get("Content-Type") != "application/javascript" {
		t.Fatalf("app.js: %d %q", js.Code, body)
	}
	if again := get("/app.js", js.Header().Get("ETag")); again.Code != 304 {
		t.Errorf("app.js revalidated: %d, want 304", again.Code)
	}
	worker := get("/app-worker.js", "").Body.String()
	if !strings.Contains(worker, `"app-" + "`+w.Version()+`"`) || !strings.Contains(worker, "pagesCacheName") ||
		!strings.Contains(worker, w.Version()[:8]) || strings.Contains(worker, "{{") {
		t.Fatalf("app-worker.js is not Switchboard's worker for this build: %q", worker)
	}
}

package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// app.wasm is served under a name made of its content hash, cached for
// good; the pages load it from there (under the base path too). The plain
// name stays, revalidated; another build's name is refused, uncached.
func TestVersionedWasm(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	raw := []byte("\x00asm not really, but bytes to serve " + strings.Repeat("x", 2000))
	for name, data := range map[string][]byte{"app.wasm": raw, "app.css": []byte("body{}")} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256(raw)
	versioned := "/web/app." + hex.EncodeToString(sum[:])[:16] + ".wasm"
	for _, base := range []string{"", "/chat"} {
		w, err := New(Options{Dir: dir, BasePath: base, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Close)
		get := func(h http.Handler, path string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			return rec
		}
		appJS := get(w.Pages(), "/app.js")
		if body, _ := io.ReadAll(appJS.Body); !strings.Contains(string(body), `"`+base+versioned+`"`) {
			t.Fatalf("base %q: app.js does not load %s%s", base, base, versioned)
		}
		rec := get(w.Static(), versioned)
		if rec.Code != http.StatusOK || rec.Body.String() != string(raw) {
			t.Fatalf("GET %s = %d, %d bytes", versioned, rec.Code, rec.Body.Len())
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Fatalf("GET %s: Cache-Control %q, want a year, immutable", versioned, cc)
		}
		rec = get(w.Static(), "/web/app.wasm")
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Fatalf("GET /web/app.wasm = %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
		}
		rec = get(w.Static(), "/web/app.0123456789abcdef.wasm")
		if rec.Code != http.StatusNotFound || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("another build's app.wasm = %d, Cache-Control %q; want 404, no-store", rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
}

// Without fresh compressed copies beside app.wasm, the server makes them
// in the background and serves brotli once they are there; with
// NoWasmCompression it makes none and serves app.wasm as it is.
func TestWasmCompressionAtStart(t *testing.T) {
	t.Parallel()
	raw := []byte("\x00asm " + strings.Repeat("compressible bytes ", 500))
	for _, off := range []bool{false, true} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "app.wasm"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		w, err := New(Options{Dir: dir, NoWasmCompression: off, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		brotli := func() bool {
			req := httptest.NewRequest("GET", "/web/app.wasm", nil)
			req.Header.Set("Accept-Encoding", "br, gzip")
			rec := httptest.NewRecorder()
			w.Static().ServeHTTP(rec, req)
			return rec.Header().Get("Content-Encoding") == "br"
		}
		if off {
			w.Close() // waits for any background work
			if brotli() {
				t.Error("NoWasmCompression: app.wasm served as brotli")
			}
			for _, ext := range []string{".br", ".gz"} {
				if _, err := os.Stat(filepath.Join(dir, "app.wasm"+ext)); err == nil {
					t.Errorf("NoWasmCompression: app.wasm%s written", ext)
				}
			}
			continue
		}
		deadline := time.After(30 * time.Second)
		tick := time.NewTicker(5 * time.Millisecond)
		for !brotli() {
			select {
			case <-deadline:
				t.Fatal("app.wasm is not served as brotli 30 s after start")
			case <-tick.C:
			}
		}
		tick.Stop()
		w.Close()
		if _, err := os.Stat(filepath.Join(dir, "app.wasm.br")); err != nil {
			t.Errorf("app.wasm.br not kept: %v", err)
		}
	}
}

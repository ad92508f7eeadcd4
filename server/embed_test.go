package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/server/web"
	"github.com/switchboard-rt/switchboard/shared/protocol"
	"github.com/switchboard-rt/switchboard/wasmclient/ui"
)

// fakeWebDir is a web folder with a stand-in app.wasm: enough for the
// server to render and serve pages (browsers never run it here).
func fakeWebDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app.css"), []byte("body{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func frameAncestors(csp string) string {
	for _, d := range strings.Split(csp, ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, "frame-ancestors") {
			return d
		}
	}
	return ""
}

// The embed page is the only page other sites may frame, and only the
// sites of --embed-origins; without them it may not be framed at all.
func TestEmbedPageHeaders(t *testing.T) {
	t.Parallel()
	web := fakeWebDir(t)
	closed := testnode.Start(t, server.Config{WebDir: web})
	open := testnode.Start(t, server.Config{WebDir: web,
		EmbedOrigins: []string{"http://localhost:5555", "https://Shop.Example.com:443"}})

	for _, tc := range []struct {
		name, url, ancestors string
		deny                 bool
	}{
		{"embed page, no embed origins", closed.HTTP.URL + "/embed/support", "frame-ancestors 'none'", true},
		{"embed page", open.HTTP.URL + "/embed/support", "frame-ancestors http://localhost:5555 https://shop.example.com", false},
		{"home page", open.HTTP.URL + "/", "frame-ancestors 'none'", true},
		{"room page", open.HTTP.URL + "/r/support", "frame-ancestors 'none'", true},
		{"loader", open.HTTP.URL + "/embed.js", "frame-ancestors 'none'", true},
		{"health", open.HTTP.URL + "/healthz", "frame-ancestors 'none'", true},
	} {
		resp, body := get(t, tc.url)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d: %s", tc.name, resp.StatusCode, body)
			continue
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if got := frameAncestors(csp); got != tc.ancestors {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.ancestors)
		}
		if !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval'") {
			t.Errorf("%s: the rest of the policy is gone: %q", tc.name, csp)
		}
		if got := resp.Header.Get("X-Frame-Options"); (got == "DENY") != tc.deny {
			t.Errorf("%s: X-Frame-Options %q, want DENY: %v", tc.name, got, tc.deny)
		}
	}
	// An embed page names a room; anything else is not a page.
	if resp, _ := get(t, open.HTTP.URL+"/embed/not%20a%20room"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("embed page of an invalid room: status %d, want 404", resp.StatusCode)
	}
	// The embed page hands the allowed origins to the app, which talks
	// only to a parent among them.
	if _, js := get(t, open.HTTP.URL+"/app.js"); !strings.Contains(js, `"`+ui.EnvEmbedOrigins+`":"http://localhost:5555,https://shop.example.com"`) {
		t.Errorf("app.js lacks the embed origins")
	}
}

// Embed origins are exact origins: anything else stops the node from starting.
// The loader asks /embed.json whether its site may frame the chat: any
// site may ask (the answer is readable cross-origin) and learns only
// about itself, origins compared in their canonical form.
func TestEmbedCheck(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{WebDir: fakeWebDir(t), EmbedOrigins: []string{"https://shop.example.com"}})
	for origin, want := range map[string]string{
		"https://shop.example.com":     `{"allowed":true}`,
		"https://SHOP.example.com:443": `{"allowed":true}`,
		"https://evil.example":         `{"allowed":false}`,
		"":                             `{"allowed":false}`,
		"javascript:alert(1)":          `{"allowed":false}`,
	} {
		resp, body := get(t, n.HTTP.URL+"/embed.json?origin="+url.QueryEscape(origin))
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(body) != want {
			t.Errorf("origin %q: %d %q, want %s", origin, resp.StatusCode, body, want)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("origin %q: Access-Control-Allow-Origin %q, want *", origin, got)
		}
	}
}

func TestEmbedOriginsInvalid(t *testing.T) {
	t.Parallel()
	for _, o := range []string{"null", "*", "localhost:5555", "https://shop.example.com/page", "ftp://shop.example.com"} {
		_, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), EmbedOrigins: []string{o}})
		if err == nil || !strings.Contains(err.Error(), "embed origin") {
			t.Errorf("embed origin %q: err = %v, want an embed origin error", o, err)
		}
	}
}

// Pages answer GET and HEAD only: any other method gets 405 and the
// methods there are, never the page.
func TestPagesRefuseOtherMethods(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{WebDir: fakeWebDir(t)})
	for _, path := range []string{"/", "/r/lobby", "/app.js", "/ws"} {
		for _, method := range []string{"POST", "PUT", "DELETE", "TRACE"} {
			req, _ := http.NewRequest(method, n.HTTP.URL+path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), "GET") {
				t.Errorf("%s %s: status %d, Allow %q; want 405 naming GET", method, path, resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
	}
	if resp, _ := get(t, n.HTTP.URL+"/r/lobby"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /r/lobby: status %d, want 200", resp.StatusCode)
	}
}

// The loader is small, a script, and speaks the prefix the embed page
// checks.
func TestEmbedScript(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{WebDir: fakeWebDir(t)})
	resp, body := get(t, n.HTTP.URL+"/embed.js")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if len(body) >= web.MaxEmbedScriptBytes {
		t.Errorf("embed.js is %d bytes, want < %d", len(body), web.MaxEmbedScriptBytes)
	}
	if !strings.Contains(body, `"`+ui.EmbedMessagePrefix+`"`) {
		t.Errorf("embed.js does not use the message prefix %q", ui.EmbedMessagePrefix)
	}
	req, _ := http.NewRequest("GET", n.HTTP.URL+"/embed.js", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: status %d, want 304", again.StatusCode)
	}
}

// A Go program mounts the node at /chat/ of its own mux: pages, their
// scripts and styles, app.wasm, the socket and the health checks are all
// under the prefix, and the program's other paths stay its own.
func TestMountUnderPrefix(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, stop, err := server.NewHandler(ctx, server.Config{
		BasePath: "/chat/", DataDir: t.TempDir(), WebDir: fakeWebDir(t), Logger: testnode.Logger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/chat/", h)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "the host's home") })
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.Close()
		if err := stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})

	resp, page := get(t, hs.URL+"/chat/r/lobby")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("room page: %d", resp.StatusCode)
	}
	for _, want := range []string{`href="/chat/web/app.css"`, `src="/chat/app.js"`, `src="/chat/wasm_exec.js"`, `href="/chat/manifest.webmanifest"`, `href="/chat/web/icon.svg"`} {
		if !strings.Contains(page, want) {
			t.Errorf("room page lacks %s", want)
		}
	}
	if strings.Contains(page, `"/web/`) || strings.Contains(page, `"/app.js"`) {
		t.Errorf("room page has an unprefixed path")
	}
	_, js := get(t, hs.URL+"/chat/app.js")
	for _, want := range []string{`"GOAPP_ROOT_PREFIX":"/chat/"`, `"GOAPP_STATIC_RESOURCES_URL":"/chat/web"`, `"/chat/app-worker.js"`} {
		if !strings.Contains(js, want) {
			t.Errorf("app.js lacks %s", want)
		}
	}
	// app.wasm under its content-versioned name (web.versionedWasm).
	wasmURL := regexp.MustCompile(`"(/chat/web/app\.[0-9a-f]{16}\.wasm)"`).FindStringSubmatch(js)
	if wasmURL == nil {
		t.Fatalf("app.js loads no versioned app.wasm under /chat/web/")
	}
	if resp, _ := get(t, hs.URL+wasmURL[1]); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: %d, Cache-Control %q", wasmURL[1], resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	for path, want := range map[string]int{
		"/chat/web/app.wasm": 200, "/chat/healthz": 200, "/chat/embed.js": 200, "/chat/": 200,
		"/": 200, "/healthz": 404, "/web/app.wasm": 404, "/r/lobby": 404,
	} {
		if resp, _ := get(t, hs.URL+path); resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}

	// The protocol works under the prefix.
	ws := "ws" + strings.TrimPrefix(hs.URL, "http") + "/chat/ws"
	ann, bob := testnode.Dial(t, ws, "ann"), testnode.Dial(t, ws, "bob")
	for _, c := range []interface {
		Join(context.Context, string) (protocol.Event, error)
	}{ann, bob} {
		if _, err := c.Join(testnode.Ctx(t), "lobby"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ann.Send(testnode.Ctx(t), "lobby", "under a prefix"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, bob, 10*time.Second, "ann's message", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvMessage && ev.Text == "under a prefix"
	})
}

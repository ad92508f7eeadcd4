package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
)

// A returning visitor's browser loads app.wasm without asking the server:
// the page names it by its content hash, and the browser's network log
// shows it served from the service worker or the disk cache, while the
// server sees no request for it (not even a revalidation).
func TestWarmLoadSkipsWasm(t *testing.T) {
	const room = "e2e-warm"
	node := startNode(t, server.Config{})
	var wasmHits atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/web/app.") && strings.HasSuffix(r.URL.Path, ".wasm") {
			wasmHits.Add(1)
		}
		node.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)

	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	ann.beforeScripts(rememberNickname("ann"))
	ann.navigate(hs.URL + "/r/" + room)
	ann.waitText("status", "Connection", "Connected")
	waitEval(ann, `navigator.serviceWorker.controller !== null`, true)
	if wasmHits.Load() == 0 {
		t.Fatal("the first load never fetched app.wasm from the server")
	}
	before := wasmHits.Load()

	var mu sync.Mutex
	var seen []*network.Response
	if err := chromedp.Listen(ann.ctx, func(ev any) {
		if e, ok := ev.(*network.EventResponseReceived); ok && strings.Contains(e.Response.URL, "/web/app.") && strings.HasSuffix(e.Response.URL, ".wasm") {
			mu.Lock()
			seen = append(seen, e.Response)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	ann.do("watch the network", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
		return err
	}))
	ann.do("reload", chromedp.Reload())
	ann.find("textbox", "Message")
	ann.waitText("status", "Connection", "Connected")

	if n := wasmHits.Load() - before; n != 0 {
		t.Errorf("the warm load asked the server for app.wasm %d times", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("the network log shows no app.wasm on the warm load")
	}
	for _, r := range seen {
		if r.Status != http.StatusOK || !(r.FromServiceWorker || r.FromDiskCache) {
			t.Errorf("warm load: %s answered %d (from service worker %v, disk cache %v)", r.URL, r.Status, r.FromServiceWorker, r.FromDiskCache)
		}
	}
}

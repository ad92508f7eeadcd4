package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// hostSite is a sample page of another site that embeds Switchboard: its
// own header, links, styles (some aimed at every button and iframe, which
// must not reach the widget) and script, and the loader snippet.
type hostSite struct {
	*httptest.Server
	// Origin is the site's origin. It is http://localhost:PORT, another
	// site than the node's http://127.0.0.1:PORT, so Chromium runs the
	// widget's iframe in its own process, as a target of its own.
	Origin  string
	snippet atomic.Pointer[string]
}

// startHostSite serves the sample site; set its snippet (SetSnippet)
// before a browser opens it.
func startHostSite(t testing.TB) *hostSite {
	t.Helper()
	h := &hostSite{}
	empty := ""
	h.snippet.Store(&empty)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, strings.Replace(hostPage, "<!--SNIPPET-->", *h.snippet.Load(), 1))
	})
	mux.HandleFunc("GET /about", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="en"><title>About Acme</title><h1>About Acme Outdoor</h1></html>`)
	})
	h.Server = httptest.NewServer(mux)
	t.Cleanup(h.Close)
	h.Origin = strings.Replace(h.URL, "127.0.0.1", "localhost", 1)
	return h
}

// SetSnippet sets what the page holds where a site pastes the snippet.
func (h *hostSite) SetSnippet(s string) { h.snippet.Store(&s) }

// loaderSnippet is the README's snippet for the node at base.
func loaderSnippet(base, room, extra string) string {
	return fmt.Sprintf(`<script src="%s/embed.js" data-room="%s" %s async></script>`, base, room, extra)
}

const hostPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Outdoor</title>
<style>
  body { margin: 0; font-family: Georgia, serif; background: #f7f3ea; color: #2b2118; }
  header { display: flex; align-items: center; gap: 32px; padding: 18px 40px; background: #2b2118; color: #f7f3ea; }
  header h1 { margin: 0; font-size: 26px; letter-spacing: 0.02em; }
  nav a { margin-right: 20px; color: #f2c14e; font-family: system-ui, sans-serif; font-size: 15px; }
  main { max-width: 760px; margin: 40px auto; padding: 0 32px; line-height: 1.6; }
  .hero { padding: 28px; border-radius: 12px; background: #e9dfc9; }
  /* Aimed at everything: must not reach the widget. */
  button { padding: 10px 20px; border: 0; border-radius: 6px; background: #b4451f; color: #fff; font: 600 16px Georgia, serif; }
  iframe { border: 10px solid #b4451f; }
</style>
</head>
<body>
<header><h1>Acme Outdoor</h1><nav><a href="/about">About us</a><a href="/shop">Shop</a></nav></header>
<main id="content">
  <div class="hero">
    <h2>Spring collection</h2>
    <p>Tents, packs and boots for the season. Questions about sizes or delivery? Our team answers in the chat.</p>
    <button id="subscribe" type="button">Subscribe</button>
  </div>
  <h3>Free returns</h3>
  <p>Return anything within 60 days. Every order ships carbon-neutral from our workshop in Lyon.</p>
</main>
<script>
  let clicks = 0;
  document.getElementById("subscribe").addEventListener("click", () => {
    clicks++;
    document.getElementById("subscribe").textContent = "Subscribed (" + clicks + ")";
  });
</script>
<!--SNIPPET-->
</body>
</html>
`

// frame attaches to the cross-site iframe of this tab's browser context
// whose URL starts with prefix (a target of its own in Chromium), one not
// returned before (after a reload: the new frame), and returns it as a
// tab.
func (tb *tab) frame(prefix string) *tab {
	tb.t.Helper()
	var id target.ID
	own := chromedp.FromContext(tb.ctx).Target.TargetID
	ok := tb.poll("an iframe at "+prefix, func(ctx context.Context) (bool, error) {
		infos, err := chromedp.Targets(ctx)
		var browserCtx cdp.BrowserContextID
		for _, info := range infos {
			if info.TargetID == own {
				browserCtx = info.BrowserContextID
			}
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, prefix) && !framesTaken.has(info.TargetID) &&
				info.BrowserContextID == browserCtx {
				id = info.TargetID
				return true, nil
			}
		}
		return false, err
	})
	if !ok {
		tb.t.Fatalf("%s: no iframe at %s", tb.name, prefix)
	}
	// Detach at the end: closing the iframe's target would close the tab
	// before its failure screenshot.
	framesTaken.add(id)
	ctx, cancel := chromedp.NewContext(tb.ctx, chromedp.WithTargetID(id), chromedp.WithDetachOnCancel())
	tb.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		tb.t.Fatalf("%s: attach to the iframe: %v", tb.name, err)
	}
	return &tab{t: tb.t, name: tb.name + "/widget", ctx: ctx}
}

// framesTaken are the iframe targets frame has returned.
var framesTaken targetSet

type targetSet struct {
	mu  sync.Mutex
	ids map[target.ID]bool
}

func (s *targetSet) has(id target.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id]
}

func (s *targetSet) add(id target.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = make(map[target.ID]bool)
	}
	s.ids[id] = true
}

// waitEval polls a JavaScript expression until it returns want.
func waitEval[T comparable](tb *tab, expr string, want T) {
	tb.t.Helper()
	var got T
	ok := tb.poll(fmt.Sprintf("%s == %v", expr, want), func(ctx context.Context) (bool, error) {
		var err error
		got, err = chromedp.Run(ctx, chromedp.Evaluate[T](expr))
		return got == want, err
	})
	if !ok {
		tb.t.Fatalf("%s: %s is %v, want %v", tb.name, expr, got, want)
	}
}

// keepForDocs copies a screenshot to the repository's docs/ folder when
// SWITCHBOARD_UPDATE_DOCS is set (the README shows it).
func keepForDocs(t testing.TB, png, name string) {
	if os.Getenv("SWITCHBOARD_UPDATE_DOCS") == "" || png == "" {
		return
	}
	data, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("updated docs/%s", name)
}

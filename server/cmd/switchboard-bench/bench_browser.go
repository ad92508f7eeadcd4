package main

import (
	"context"
	"fmt"
	"github.com/switchboard-rt/switchboard/server/internal/chromium"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/shared/client"
)

// browserRuns is how many page loads each of the cold and warm figures is
// the median of.
const browserRuns = 5

// browserFigures is what the browser part of the bench measured.
type browserFigures struct {
	// wire is app.wasm's bytes on the wire by Content-Encoding asked for
	// ("br", "gzip", "identity"), as the server answers.
	wire map[string]int64
	// cold and warm are the times from navigation start to the first
	// message rendered: a fresh profile each (nothing cached), and the same
	// profile as a load before (HTTP cache and service worker warm).
	cold, warm []time.Duration
	// coldReady and warmReady are the times to the app running the room:
	// the composer is shown.
	coldReady, warmReady []time.Duration
	// tab and tabReady are warm loads in new tabs of a browser that is
	// already running (see firstMessageTabs).
	tab, tabReady []time.Duration
	// errs says what could not be measured.
	errs []string
}

// benchBrowser starts `switchboard serve` with the web app in webDir, puts
// one message in a room, measures app.wasm on the wire, and opens the room
// in headless Chromium (a new browser process per load) browserRuns times
// cold and warm.
func benchBrowser(ctx context.Context, exe, webDir, chromium, tmp, logDir string) browserFigures {
	var b browserFigures
	data, err := os.MkdirTemp(tmp, "browser-data-")
	if err != nil {
		b.errs = append(b.errs, err.Error())
		return b
	}
	logPath := filepath.Join(logDir, "browser-switchboard.log")
	p, err := startServeProc(ctx, exe, logPath, "--addr", "127.0.0.1:0", "--data", data, "--web-dir", webDir, "--log-level", "warn")
	if err != nil {
		b.errs = append(b.errs, err.Error())
		return b
	}
	defer p.stop()

	b.wire = map[string]int64{}
	for _, enc := range []string{"br", "gzip", "identity"} {
		n, got, err := wireSize(ctx, p.http+"/web/app.wasm", enc)
		switch {
		case err != nil:
			b.errs = append(b.errs, err.Error())
		case got != enc && !(enc == "identity" && got == ""):
			b.errs = append(b.errs, fmt.Sprintf("app.wasm asked for with Accept-Encoding: %s came with Content-Encoding %q", enc, got))
		default:
			b.wire[enc] = n
		}
	}

	const room, marker = "bench-browser", "the first message, already in the room"
	if err := seedRoom(ctx, p.ws, room, marker); err != nil {
		b.errs = append(b.errs, err.Error())
		return b
	}
	if chromium == "" {
		b.errs = append(b.errs, "Chromium not found (install it: apt-get install chromium, or make deps-test)")
		return b
	}
	url := p.http + "/r/" + room
	load := func(profile, name string) (pageTimes, error) {
		return firstMessage(ctx, chromium, profile, url, name, marker)
	}
	for i := range browserRuns {
		dir, err := os.MkdirTemp(tmp, "chromium-cold-")
		if err != nil {
			b.errs = append(b.errs, err.Error())
			return b
		}
		d, err := load(dir, fmt.Sprintf("cold%d", i))
		if err != nil {
			b.errs = append(b.errs, fmt.Sprintf("cold load %d: %v", i+1, err))
			continue
		}
		b.cold, b.coldReady = append(b.cold, d.first), append(b.coldReady, d.ready)
	}
	warmDir, err := os.MkdirTemp(tmp, "chromium-warm-")
	if err != nil {
		b.errs = append(b.errs, err.Error())
		return b
	}
	if _, err := load(warmDir, "warmup"); err != nil {
		b.errs = append(b.errs, fmt.Sprintf("warm-up load: %v", err))
		return b
	}
	for i := range browserRuns {
		d, err := load(warmDir, fmt.Sprintf("warm%d", i))
		if err != nil {
			b.errs = append(b.errs, fmt.Sprintf("warm load %d: %v", i+1, err))
			continue
		}
		b.warm, b.warmReady = append(b.warm, d.first), append(b.warmReady, d.ready)
	}
	tabs, err := firstMessageTabs(ctx, chromium, warmDir, url, "tabs", marker, browserRuns)
	if err != nil {
		b.errs = append(b.errs, fmt.Sprintf("loads in new tabs: %v", err))
	}
	for _, d := range tabs {
		b.tab, b.tabReady = append(b.tab, d.first), append(b.tabReady, d.ready)
	}
	return b
}

// startServeProc starts `switchboard serve` with args and waits until ready.
func startServeProc(ctx context.Context, exe, logPath string, args ...string) (*serverProc, error) {
	return launch(ctx, exec.Command(exe, append([]string{"serve"}, args...)...), "switchboard (serve)", logPath)
}

// wireSize fetches url asking for encoding enc and returns the body's
// length as sent and the Content-Encoding it came with.
func wireSize(ctx context.Context, url, enc string) (int64, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	// Set by hand, the header also stops the transport from decompressing.
	req.Header.Set("Accept-Encoding", enc)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	return n, resp.Header.Get("Content-Encoding"), err
}

// seedRoom posts text to room, so that the page has a message to render.
func seedRoom(ctx context.Context, ws, room, text string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, ws, client.Options{Name: "seeder"})
	if err != nil {
		return fmt.Errorf("seed the browser room: %w", err)
	}
	defer c.Close()
	if _, err := c.Join(ctx, room); err != nil {
		return fmt.Errorf("seed the browser room: %w", err)
	}
	if _, err := c.Send(ctx, room, text); err != nil {
		return fmt.Errorf("seed the browser room: %w", err)
	}
	return nil
}

// firstMessageScript runs in the page before its own scripts: it stores a
// nickname (so the room page connects at once instead of asking for one)
// and records, from navigation start (performance.now()):
//   - window.__sbFound: the first frame after the message list shows the
//     marker (requestAnimationFrame);
//   - window.__sbFCP: the page's first contentful paint. The message is
//     on screen at the later of the two: a frame can run before the
//     stylesheets have loaded, when nothing is painted yet;
//   - window.__sbReady: the composer first shown (the app runs the room);
//   - window.__sbWorker: the service worker is active (so that the next
//     load of the same profile is a warm one).
const firstMessageScript = `
localStorage.setItem("switchboard/identity", JSON.stringify({name: %s}));
new PerformanceObserver((list) => {
	for (const e of list.getEntries()) {
		if (e.name === "first-contentful-paint") window.__sbFCP = e.startTime;
	}
}).observe({type: "paint", buffered: true});
if (navigator.serviceWorker) navigator.serviceWorker.ready.then(() => { window.__sbWorker = true; });
(() => {
	let seen = false;
	const found = () => {
		const list = document.getElementById("sb-messages");
		if (!seen && list && list.textContent.includes(%s)) {
			seen = true;
			requestAnimationFrame(() => { window.__sbFound = performance.now(); });
		}
		if (window.__sbReady === undefined && document.getElementById("sb-message")) {
			window.__sbReady = performance.now();
		}
		return seen && window.__sbReady !== undefined;
	};
	new MutationObserver((_, obs) => { if (found()) obs.disconnect(); })
		.observe(document, {childList: true, subtree: true, characterData: true});
})();
`

// pageTimes are the times from navigation start to a page's first message
// and to its composer.
type pageTimes struct{ first, ready time.Duration }

// firstMessage starts Chromium on profile, opens url as nickname name and
// returns the times from navigation start until the message list shows
// marker and until the composer is shown.
func firstMessage(ctx context.Context, chromium, profile, url, name, marker string) (pageTimes, error) {
	bctx, stop, err := startChromium(ctx, chromium, profile)
	if err != nil {
		return pageTimes{}, err
	}
	defer stop()
	return measurePage(bctx, url, name, marker)
}

// firstMessageTabs starts one Chromium on profile, loads url once, then
// n more times, each in a new tab of the same running browser (its HTTP
// cache and service worker warm, as for a visitor whose browser is open),
// and returns the times of those n loads.
func firstMessageTabs(ctx context.Context, chromium, profile, url, name, marker string, n int) ([]pageTimes, error) {
	bctx, stop, err := startChromium(ctx, chromium, profile)
	if err != nil {
		return nil, err
	}
	defer stop()
	if _, err := measurePage(bctx, url, name, marker); err != nil {
		return nil, fmt.Errorf("warm-up load: %w", err)
	}
	var out []pageTimes
	for i := range n {
		tctx, closeTab := chromedp.NewContext(bctx)
		t, err := measurePage(tctx, url, name, marker)
		closeTab()
		if err != nil {
			return out, fmt.Errorf("tab %d: %w", i+1, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// startChromium starts headless Chromium on profile; stop ends it.
func startChromium(ctx context.Context, path, profile string) (context.Context, func(), error) {
	return chromium.Start(ctx, path, profile)
}

// measurePage opens url in the tab of tctx as nickname name and returns
// the times from navigation start until the message list shows marker
// and until the composer is shown.
func measurePage(tctx context.Context, url, name, marker string) (pageTimes, error) {
	tctx, cancelT := context.WithTimeout(tctx, 60*time.Second)
	defer cancelT()
	script := fmt.Sprintf(firstMessageScript, strconv.Quote(name), strconv.Quote(marker))
	if _, err := chromedp.Call(tctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script}); err != nil {
		return pageTimes{}, fmt.Errorf("add the timing script: %w", err)
	}
	if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
		return pageTimes{}, fmt.Errorf("open %s: %w", url, err)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ms, err := chromedp.Run(tctx, chromedp.Evaluate[[]float64](
			`[window.__sbFound || 0, window.__sbFCP || 0, window.__sbReady || 0, window.__sbWorker ? 1 : 0]`))
		if err != nil {
			return pageTimes{}, fmt.Errorf("read the timing: %w", err)
		}
		if len(ms) == 4 && ms[0] > 0 && ms[1] > 0 && ms[2] > 0 && ms[3] > 0 {
			d := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
			return pageTimes{first: d(max(ms[0], ms[1])), ready: d(ms[2])}, nil
		}
		select {
		case <-tctx.Done():
			return pageTimes{}, fmt.Errorf("no message rendered within 60 s")
		case <-tick.C:
		}
	}
}

// chromiumPath finds Chromium (see chromium.Path); "" if none.
func chromiumPath(getenv func(string) string) string { return chromium.Path(getenv) }

// median of ds (ds is sorted in place); 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// write reports the figures in Markdown.
func (b browserFigures) write(w io.Writer) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Browser")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Figure | Value | Runs |")
	fmt.Fprintln(w, "|---|---:|---|")
	for _, enc := range []string{"br", "gzip", "identity"} {
		if n, ok := b.wire[enc]; ok {
			fmt.Fprintf(w, "| app.wasm on the wire, %s | %d B (%.2f MiB) | — |\n", enc, n, float64(n)/(1<<20))
		}
	}
	for _, f := range []struct {
		name string
		ds   []time.Duration
	}{
		{"first message rendered, cold (fresh profile)", b.cold}, {"first message rendered, warm (same profile)", b.warm},
		{"room usable (composer shown), cold", b.coldReady}, {"room usable (composer shown), warm", b.warmReady},
		{"first message rendered, warm, new tab of a running browser", b.tab}, {"room usable, warm, new tab of a running browser", b.tabReady},
	} {
		if len(f.ds) == 0 {
			continue
		}
		runs := make([]string, len(f.ds))
		for i, d := range f.ds {
			runs[i] = fmt.Sprintf("%.0f", float64(d)/float64(time.Millisecond))
		}
		fmt.Fprintf(w, "| %s, median of %d | %.0f ms | %s ms |\n", f.name, len(f.ds), float64(median(slices.Clone(f.ds)))/float64(time.Millisecond), strings.Join(runs, ", "))
	}
	for _, e := range b.errs {
		fmt.Fprintf(w, "\n- browser: **error**: %s", e)
	}
	if len(b.errs) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Time from navigation start (performance.now()) to a message stored before on screen (the later of the first "+
		"contentful paint and the first frame after the message list shows it; the server prerenders it into the page), and to the "+
		"app running the room (its composer shown); a returning visitor (nickname stored), a new headless Chromium process per load "+
		"(warm: the same profile, its HTTP cache and service worker from the load before), and last, new tabs of one running "+
		"browser on that profile (a visitor whose browser is open).")
}

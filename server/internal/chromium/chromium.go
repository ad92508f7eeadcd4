// Package chromium finds and starts the headless Chromium that the browser
// tests (server/e2e) and the bench's browser figures (switchboard-bench)
// drive with chromedp, with the same flags for both.
package chromium

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// Path finds Chromium: $CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser
// or chromium on PATH; "" if none (`make test` installs it with apt-get).
func Path(getenv func(string) string) string {
	for _, p := range []string{getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// Start starts headless Chromium (the binary at path) on the profile
// folder, 1280×800, without the background traffic a desktop browser
// makes (sync, component updates, QUIC). The returned context opens tabs
// in it; stop ends it. The browser lives until stop or until ctx ends.
func Start(ctx context.Context, path, profile string) (context.Context, func(), error) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancel := chromedp.NewContext(actx)
	stop := func() { cancel(); cancelAlloc() }
	// The first call starts the browser, which lives as long as the
	// context of that call: bctx, not one with a shorter deadline.
	if err := chromedp.Do(bctx); err != nil {
		stop()
		return nil, nil, fmt.Errorf("start Chromium: %w", err)
	}
	return bctx, stop, nil
}

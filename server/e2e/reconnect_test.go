package e2e

import (
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
)

// While the page waits out a long reconnect backoff, the browser coming
// back online makes it try at once: it connects well before the countdown
// it showed would have ended.
func TestOnlineEventRetriesAtOnce(t *testing.T) {
	node := testnode.StartRestartable(t, server.Config{WebDir: webDir})
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	ann.joinRoom(node.URL, "e2e-online")
	ann.waitText("status", "Connection", "Connected")

	node.Stop()
	// The backoff window grows with every failed attempt (up to 20 s);
	// wait for a countdown long enough to tell an immediate try from it.
	countdown := regexp.MustCompile(`Reconnecting in (\d+) s`)
	var left int
	if !ann.pollWithin(90*time.Second, "a countdown of at least 6 s", func(ctx context.Context) (bool, error) {
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('sb-status').textContent`))
		if err != nil {
			return false, err
		}
		m := countdown.FindStringSubmatch(text)
		if m == nil {
			return false, nil
		}
		left, _ = strconv.Atoi(m[1])
		return left >= 6, nil
	}) {
		t.Fatal("no long countdown while the server was down")
	}
	node.Start()
	start := time.Now()
	evalPage[bool](ann, `window.dispatchEvent(new Event('online')), true`)
	ann.waitText("status", "Connection", "Connected")
	if took := time.Since(start); took >= time.Duration(left-1)*time.Second {
		t.Fatalf("connected %v after the online event, with %d s left on the countdown: the event did not make it try at once", took.Round(time.Millisecond), left)
	}
}

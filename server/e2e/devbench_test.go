package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// devEdit is one kind of edit BenchmarkDevReload makes, again and again.
type devEdit struct {
	name string
	file string
	// text returns the edited text for run i (i = 0: the original).
	text func(i int) string
	// visible is a JavaScript expression, true once edit i shows; empty:
	// the tab has reloaded to a newer build and is connected again.
	visible func(i int) string
	// check, when set, verifies edit i took effect after it showed.
	check func(b *testing.B, d *devLoop, i int)
}

var devEdits = []devEdit{
	{
		name: "ui", file: uiFile,
		text: func(i int) string {
			if i == 0 {
				return uiText
			}
			return `app.Text(" new line · ui edit ` + strconv.Itoa(i) + `")`
		},
		visible: func(i int) string { return visibleJS("new line · ui edit " + strconv.Itoa(i)) },
	},
	{
		// Compiled into both app.wasm and the server.
		name: "shared", file: "shared/protocol/validate.go",
		text: func(i int) string {
			if i == 0 {
				return `"frame has no type"`
			}
			return `"frame has no type (` + strconv.Itoa(i) + `)"`
		},
	},
	{
		name: "server", file: "server/routes.go",
		text: func(i int) string {
			if i == 0 {
				return `[]byte("ok\n")`
			}
			return `[]byte("ok ` + strconv.Itoa(i) + `\n")`
		},
		check: func(b *testing.B, d *devLoop, i int) {
			if got, want := healthz(b, d), "ok "+strconv.Itoa(i); got != want {
				b.Fatalf("/healthz says %q after the edit, want %q: the server was not restarted", got, want)
			}
		},
	},
}

// BenchmarkDevReload measures make dev: the time from saving a file to the
// new UI in an open room tab, for an edit of a component's text (ui: only
// app.wasm is rebuilt), of the shared protocol (shared: both binaries, the
// server restarts) and of the server alone (server: the server restarts).
// For shared and server edits "the new UI" is the tab reloaded to the new
// build and connected again to the new server, with the conversation on
// screen. Run it with `make dev-bench` (-benchtime=5x): it reports each
// kind's median and slowest time.
func BenchmarkDevReload(b *testing.B) {
	d := startDevLoop(b)
	room := newTab(b, browser(b), "Bench")
	room.joinRoom(d.url, "devbench")
	const said = "the conversation"
	room.say(said)
	room.waitBody(said)
	for _, e := range devEdits {
		b.Run(e.name, func(b *testing.B) {
			tb := &tab{t: b, name: room.name, ctx: room.ctx}
			var took []time.Duration
			i := 0
			for b.Loop() {
				before := evalPage[string](tb, "document.documentElement.dataset.devBuild")
				i++
				start := time.Now()
				d.replace(b, e.file, e.text(i-1), e.text(i))
				if e.visible != nil {
					tb.waitJS("the edit", e.visible(i))
				} else {
					tb.waitReloaded(before, said)
				}
				took = append(took, time.Since(start))
				if e.check != nil {
					e.check(b, d, i)
				}
			}
			slices.Sort(took)
			b.ReportMetric(took[len(took)/2].Seconds(), "s-median")
			b.ReportMetric(took[len(took)-1].Seconds(), "s-max")
			b.Logf("%s edit → visible: %v", e.name, took)
			// Back to the original, for the next kind (or -count).
			before := evalPage[string](tb, "document.documentElement.dataset.devBuild")
			d.replace(b, e.file, e.text(i), e.text(0))
			tb.waitReloaded(before, said)
		})
	}
}

// healthz returns what the server behind the dev loop answers on /healthz.
func healthz(t testing.TB, d *devLoop) string {
	t.Helper()
	resp, err := http.Get(d.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(body))
}

// waitReloaded waits until the tab runs a newer build than before, with
// the room connected and showing said.
func (tb *tab) waitReloaded(before, said string) {
	tb.t.Helper()
	n, _ := strconv.Atoi(before)
	expr := fmt.Sprintf(`Number(document.documentElement.dataset.devBuild) > %d && %s`, n, visibleJS(said))
	ok := tb.pollWithin(buildTimeout, "the new build, connected", func(ctx context.Context) (bool, error) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if !ok || err != nil {
			return false, err
		}
		got, err := text(ctx, "status", "Connection")
		return strings.Contains(got, "Connected"), err
	})
	if !ok {
		tb.t.Fatalf("%s: the tab did not reload to a new build past %s", tb.name, before)
	}
}

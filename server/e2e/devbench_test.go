package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server/dev"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
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
	// reconnect: the tab stays as it is and only connects again to the
	// restarted server (an edit of the server alone); otherwise it reloads.
	reconnect bool
	// check, when set, verifies edit i took effect after it showed.
	check func(b *testing.B, d *devLoop, i int)
}

// editNonce makes each run's edits new to the go command's build cache, as
// a developer's edits are: with the same texts every run, a second run
// would compile nothing and time only the links.
var editNonce = strconv.FormatInt(time.Now().UnixNano(), 36)

var devEdits = []devEdit{
	{
		name: "ui", file: uiFile,
		text: func(i int) string {
			if i == 0 {
				return uiText
			}
			return `app.Text(" new line · ui edit ` + strconv.Itoa(i) + ` ` + editNonce + `")`
		},
		visible: func(i int) string { return visibleJS("new line · ui edit " + strconv.Itoa(i) + " " + editNonce) },
	},
	{
		// Compiled into both app.wasm and the server.
		name: "shared", file: "shared/protocol/validate.go",
		text: func(i int) string {
			if i == 0 {
				return `"frame has no type"`
			}
			return `"frame has no type (` + strconv.Itoa(i) + ` ` + editNonce + `)"`
		},
	},
	{
		name: "server", file: "server/routes.go", reconnect: true,
		text: func(i int) string {
			if i == 0 {
				return `[]byte("ok\n")`
			}
			return `[]byte("ok ` + strconv.Itoa(i) + ` ` + editNonce + `\n")`
		},
		check: func(b *testing.B, d *devLoop, i int) {
			if got, want := healthz(b, d), "ok "+strconv.Itoa(i)+" "+editNonce; got != want {
				b.Fatalf("/healthz says %q after the edit, want %q: the server was not restarted", got, want)
			}
		},
	},
}

// BenchmarkDevReload measures make dev: the time from saving a file to the
// new UI in an open room tab, for an edit of a component's text (ui: only
// app.wasm is rebuilt), of the shared protocol (shared: both binaries, the
// server restarts) and of the server alone (server: the server restarts).
// For a shared edit "the new UI" is the tab reloaded to the new build and
// connected again to the new server, with the conversation on screen; for
// a server edit, the same tab (not reloaded) connected again to the
// restarted server. Run it with `make dev-bench` (-benchtime=5x): it reports each
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
			var phases []devPhases
			i := 0
			for b.Loop() {
				waitIdle(b)
				before := evalPage[string](tb, "document.documentElement.dataset.devBuild")
				i++
				if e.reconnect {
					tb.watchReconnect()
				}
				start := time.Now()
				d.replace(b, e.file, e.text(i-1), e.text(i))
				switch {
				case e.visible != nil:
					tb.waitJS("the edit", e.visible(i))
				case e.reconnect:
					tb.waitReconnected(before, said)
				default:
					tb.waitReloaded(before, said)
				}
				took = append(took, time.Since(start))
				phases = append(phases, measurePhases(b, d, tb, start, took[len(took)-1]))
				if e.check != nil {
					e.check(b, d, i)
				}
			}
			slices.Sort(took)
			b.ReportMetric(took[len(took)/2].Seconds(), "s-median")
			b.ReportMetric(took[len(took)-1].Seconds(), "s-max")
			b.Logf("%s edit → visible: %v", e.name, took)
			reportPhases(b, e.name, phases)
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

// watchReconnectJS records, in the tab's current page, whether its
// connection has left the connected state since (window.__sbDevLeft).
const watchReconnectJS = `(() => {
	window.__sbDevLeft = false;
	new MutationObserver(() => {
		if (!document.querySelector("#sb-status.sb-status-connected")) window.__sbDevLeft = true;
	}).observe(document.body, {attributes: true, childList: true, subtree: true});
	return true;
})()`

// watchReconnect starts the record waitReconnected reads.
func (tb *tab) watchReconnect() {
	tb.t.Helper()
	evalPage[bool](tb, watchReconnectJS)
}

// waitReconnected waits until the tab runs a newer build than before in
// the same page (watchReconnect's record is still there: no reload), its
// connection dropped (the server restarted) and connected again, showing
// said. A reload fails at once.
func (tb *tab) waitReconnected(before, said string) {
	tb.t.Helper()
	n, _ := strconv.Atoi(before)
	expr := fmt.Sprintf(`window.__sbDevLeft === undefined ? "reloaded" :
		(window.__sbDevLeft && Number(document.documentElement.dataset.devBuild) > %d &&
		!!document.querySelector("#sb-status.sb-status-connected") && %s) ? "reconnected" : ""`, n, visibleJS(said))
	var got string
	ok := tb.pollWithin(buildTimeout, "the restarted server, connected again", func(ctx context.Context) (bool, error) {
		var err error
		got, err = chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		return got != "", err
	})
	switch {
	case got == "reloaded":
		tb.t.Fatalf("%s: the tab reloaded for a server restart; it should only reconnect", tb.name)
	case !ok:
		tb.t.Fatalf("%s: the tab did not reconnect to a restarted server (build past %s)", tb.name, before)
	}
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

// devPhases is where the time of one edit went, in milliseconds, from the
// dev loop's own account of the build (GET /_dev/state) and the tab's
// navigation start.
type devPhases struct {
	watch   int64 // saved → the loop saw the change (file events)
	quiet   int64 // → the builds started (the quiet period, a running build canceled)
	wasm    int64 // building app.wasm (side by side with the server's)
	server  int64 // building the server
	stop    int64 // stopping the old server
	start   int64 // the new server's start until ready (JetStream connected)
	loop    int64 // the rest of the loop's work until the tabs were told
	reload  int64 // → the tab's new page started (the event reached it)
	fetch   int64 // → the page and app.wasm loaded (resource timing)
	compile int64 // → app.wasm compiled and instantiated (make dev's script marks it)
	page    int64 // → the edit seen (the app started, first render, connected)
	total   int64
	unknown bool // the loop's account was not there
}

// phaseNames orders the phases as reportPhases prints them.
var phaseNames = []string{"watch", "quiet", "wasm", "server", "stop", "start", "loop", "reload", "fetch", "compile", "page"}

func (p devPhases) get(name string) int64 {
	return map[string]int64{"watch": p.watch, "quiet": p.quiet, "wasm": p.wasm, "server": p.server,
		"stop": p.stop, "start": p.start, "loop": p.loop, "reload": p.reload, "fetch": p.fetch, "compile": p.compile, "page": p.page}[name]
}

// measurePhases reads the dev loop's timing of the build that just
// showed and the tab's navigation start, for an edit saved at start that
// showed after took.
func measurePhases(b *testing.B, d *devLoop, tb *tab, start time.Time, took time.Duration) devPhases {
	b.Helper()
	p := devPhases{total: took.Milliseconds()}
	t := devState(b, d).Timing
	saved, end := start.UnixMilli(), start.Add(took).UnixMilli()
	if t == nil || t.Changed < saved {
		p.unknown = true
		return p
	}
	nav := int64(evalPage[float64](tb, "performance.timeOrigin"))
	p.watch, p.quiet = t.Changed-saved, t.Started-t.Changed
	p.wasm, p.server, p.stop, p.start = t.WasmMS, t.ServerMS, t.StopMS, t.StartMS
	p.loop = t.Applied - t.Started - max(t.WasmMS, t.ServerMS) - t.StopMS - t.StartMS
	if nav >= t.Applied {
		p.reload, p.page = nav-t.Applied, end-nav
		// app.wasm's response end, ms after the navigation started.
		fetched := int64(evalPage[float64](tb, `(performance.getEntriesByType("resource").find(e => e.name.endsWith(".wasm")) || {responseEnd: 0}).responseEnd`))
		ready := int64(evalPage[float64](tb, `(performance.getEntriesByName("sb-dev-wasm-ready")[0] || {startTime: 0}).startTime`))
		if fetched > 0 && ready >= fetched && ready < p.page {
			p.fetch, p.compile, p.page = fetched, ready-fetched, p.page-ready
		}
	} else {
		p.page = end - t.Applied // the tab did not navigate (no reload)
	}
	return p
}

// reportPhases prints each phase's median for one kind of edit, and
// reports it as a metric (ms-<phase>).
func reportPhases(b *testing.B, kind string, runs []devPhases) {
	b.Helper()
	var line []string
	for _, name := range append(slices.Clone(phaseNames), "total") {
		var vs []int64
		for _, r := range runs {
			if r.unknown && name != "total" {
				continue
			}
			if name == "total" {
				vs = append(vs, r.total)
			} else {
				vs = append(vs, r.get(name))
			}
		}
		if len(vs) == 0 {
			continue
		}
		slices.Sort(vs)
		m := vs[len(vs)/2]
		line = append(line, fmt.Sprintf("%s %d", name, m))
		if name != "total" {
			b.ReportMetric(float64(m), "ms-"+name)
		}
	}
	// The kernel's transparent huge page mode moves every figure by about
	// a third on a VM (see dev.HugePages): say which one this run had.
	b.Logf("%s edit, phases (median ms): %s (transparent huge pages %q, load average %s)",
		kind, strings.Join(line, " · "), dev.HugePages(), loadAverage())
}

// devState returns what the dev loop tells the tabs now (GET /_dev/state).
func devState(t testing.TB, d *devLoop) dev.State {
	t.Helper()
	resp, err := http.Get(d.url + "/_dev/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st dev.State
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// roomEvents returns how many events the rooms' stream holds on the NATS
// server at url.
func roomEvents(t testing.TB, url string) uint64 {
	t.Helper()
	return testnode.RoomStream(t, url).CachedInfo().State.Msgs
}

// loadAverage is the host's load averages, as /proc/loadavg has them.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// Waiting for a quiet host between edits: a reloaded tab goes on
// compiling app.wasm's hot functions (and collecting) for a second or more
// after it shows the edit, and back-to-back edits would share the two
// cores with that. A developer saves seconds apart.
const (
	idleBusy   = 0.15 // busy share of all CPUs over idleWindow under which the host is quiet
	idleWindow = 250 * time.Millisecond
	idleWait   = 10 * time.Second // then the edit goes ahead anyway
)

// waitIdle waits, at most idleWait, until the host's CPUs are quiet.
func waitIdle(b *testing.B) {
	b.Helper()
	deadline := time.Now().Add(idleWait)
	tick := time.NewTicker(idleWindow)
	defer tick.Stop()
	busy0, total0, ok := cpuTimes()
	if !ok {
		return
	}
	for range tick.C {
		busy1, total1, _ := cpuTimes()
		share := float64(busy1-busy0) / float64(max(1, total1-total0))
		if share < idleBusy {
			return
		}
		if time.Now().After(deadline) {
			b.Logf("the host stayed busy (%.0f%% of its CPUs): editing anyway", 100*share)
			return
		}
		busy0, total0 = busy1, total1
	}
}

// cpuTimes returns the host's busy and total CPU time (clock ticks) from
// /proc/stat's first line.
func cpuTimes() (busy, total uint64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0, false
	}
	var idle uint64
	for i, v := range f[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		total += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	return total - idle, total, true
}

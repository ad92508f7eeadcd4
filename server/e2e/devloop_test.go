package e2e

import (
	"context"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server/dev"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
)

// uiFile and uiText are a component's text the dev loop tests edit: the
// composer's keyboard hint, always shown in a room on a wide screen.
const (
	uiFile = "wasmclient/ui/room_view_composer.go"
	uiText = `app.Text(" new line")`
)

// TestDevLoop runs make dev's loop on a copy of the repository and checks,
// in a real tab, that a stylesheet change applies without a reload, that a
// component's new text shows after a save (and the conversation on screen
// survives the reload), that a compile error shows the compiler's output
// over the page, that the page recovers once the error is fixed, that a
// server change restarts the server and the tab reconnects without a
// reload, and that a change of the server's page code reloads the tab, the
// composer's draft and the list's scroll position kept each time.
func TestDevLoop(t *testing.T) {
	d := startDevLoop(t)
	tb := newTab(t, browser(t), "Dev")
	tb.joinRoom(d.url, "devloop")
	tb.say("said before the reload")
	tb.waitBody("said before the reload")

	// A stylesheet: swapped in place, no rebuild, no reload.
	evalPage[bool](tb, "window.devLoopMarker = true")
	d.edit(t, "wasmclient/web/app.css", func(css string) string {
		return css + "\n:root { --dev-loop-check: 7; }\n"
	})
	tb.waitJS("the new stylesheet", `getComputedStyle(document.documentElement).getPropertyValue("--dev-loop-check").trim() === "7"`)
	if !evalPage[bool](tb, "window.devLoopMarker === true") {
		t.Fatal("the page reloaded for a stylesheet change")
	}

	// A component's text: app.wasm is rebuilt and the tab reloads to it.
	d.replace(t, uiFile, uiText, `app.Text(" new line · edited live")`)
	tb.waitJS("the new UI", visibleJS("new line · edited live"))
	tb.waitBody("said before the reload")
	tb.waitText("status", "Connection", "Connected")

	// A compile error: the page stays, with the compiler's output over it.
	d.replace(t, uiFile, `app.Text(" new line · edited live")`, `app.Text(devLoopBroken)`)
	tb.waitJS("the error overlay", `!!document.getElementById("switchboard-dev-overlay")`)
	tb.waitText("dialog", "Build failed", "undefined: devLoopBroken")
	tb.waitText("dialog", "Build failed", "room_view_composer.go")
	tb.screenshot("dev-build-failed")

	// Fixed: the overlay goes and the page shows the new build.
	d.replace(t, uiFile, `app.Text(devLoopBroken)`, `app.Text(" new line · fixed")`)
	tb.waitJS("the fixed UI", visibleJS("new line · fixed"))
	if n := tb.count("dialog", "Build failed"); n != 0 {
		t.Fatalf("the error overlay is still there (%d) after the fix", n)
	}
	tb.waitBody("said before the reload")
	tb.waitText("status", "Connection", "Connected")

	// A server change: the server restarts, and the tab, not reloaded,
	// connects to it again at once, the conversation still on screen, the
	// draft in the composer and the list scrolled where they were. Then a
	// change of the server's page code: the tab reloads to it and keeps
	// the draft and the scroll position through the reload.
	filler := client.Options{Name: "filler"}
	fc, err := client.Dial(testnode.Ctx(t), "ws"+strings.TrimPrefix(d.url, "http")+"/ws", filler)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fc.Close() })
	joinGo(t, fc, "devloop")
	for i := range 15 { // within the message rate's burst; three lines each
		sendGo(t, fc, "devloop", "filler line "+pad(i)+"\nwith a second line\nand a third")
	}
	tb.waitText("list", "Messages", "filler line "+pad(14))
	evalPage[bool](tb, `(document.getElementById("sb-scroll").scrollTop = 200, true)`)
	fromBottom := evalPage[int](tb, `(e => e.scrollHeight - e.scrollTop)(document.getElementById("sb-scroll"))`)
	tb.typeInto("textbox", "Message", "a half-typed thought")
	before := evalPage[string](tb, "document.documentElement.dataset.devBuild")
	nats0 := devState(t, d).NATS
	tb.watchReconnect()
	d.replace(t, "server/routes.go", `[]byte("ok\n")`, `[]byte("ok, edited\n")`)
	tb.waitReconnected(before, "said before the reload")
	if got := healthz(t, d); got != "ok, edited" {
		t.Fatalf("/healthz says %q after the edit: the server was not restarted", got)
	}
	tb.waitText("status", "Connection", "Connected")
	// The server ran, before and after its restart, against the loop's
	// own NATS server (kept running: no JetStream start per restart),
	// which holds the room; the loop accounts for the restart's time.
	st := devState(t, d)
	if st.NATS == "" || st.NATS != nats0 {
		t.Fatalf("the loop's NATS server is %q after the restart, %q before", st.NATS, nats0)
	}
	if n := roomEvents(t, st.NATS); n < 16 {
		t.Fatalf("the loop's NATS server holds %d events, want the room's 16 or more", n)
	}
	if tm := st.Timing; tm == nil || tm.Changed == 0 || tm.Started < tm.Changed || tm.ServerMS <= 0 || tm.StartMS <= 0 || tm.Applied < tm.Started {
		t.Fatalf("the loop's timing of the server edit: %+v", st.Timing)
	}
	keptDraftAndScroll(tb, fromBottom)
	if st.Kind != "restart" {
		t.Fatalf("the tabs were told %q for an edit of the server alone, want restart", st.Kind)
	}

	before = evalPage[string](tb, "document.documentElement.dataset.devBuild")
	evalPage[bool](tb, "window.devLoopMarker = true")
	d.replace(t, pageFile, pageText, pageEdited)
	tb.waitReloaded(before, "said before the reload")
	if evalPage[bool](tb, "window.devLoopMarker === true") {
		t.Fatal("the tab did not reload for an edit of the server's page code")
	}
	tb.waitText("status", "Connection", "Connected")
	keptDraftAndScroll(tb, fromBottom)
}

// pageFile, pageText and pageEdited are an edit of the server's page code
// (an environment variable the page hands app.wasm): open tabs reload
// for it.
const (
	pageFile   = "server/web/base.go"
	pageText   = `h.Env = map[string]string{}`
	pageEdited = `h.Env = map[string]string{"SWITCHBOARD_DEV_LOOP_CHECK": "1"}`
)

// keptDraftAndScroll waits for the composer to hold the draft the dev
// loop test typed and the message list to be scrolled fromBottom pixels
// from its end, as before the server's restart.
func keptDraftAndScroll(tb *tab, fromBottom int) {
	tb.t.Helper()
	waitEval(tb, `document.getElementById("sb-message").value`, "a half-typed thought")
	waitEval(tb, `Math.abs((e => e.scrollHeight - e.scrollTop)(document.getElementById("sb-scroll")) - `+strconv.Itoa(fromBottom)+`) < 40`, true)
}

// visibleJS is true once the page shows text and go-app's loading screen is
// gone (app.wasm rendered the page).
func visibleJS(text string) string {
	return `!document.getElementById("app-wasm-loader") && document.body.innerText.includes(` + jsString(text) + `)`
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// buildTimeout bounds a wait for a rebuild to show: the server's link alone
// can take ten seconds on a busy two-core machine.
const buildTimeout = 2 * time.Minute

// waitJS waits until the JavaScript expression is true in the page (for up
// to buildTimeout).
func (tb *tab) waitJS(what, expr string) {
	tb.t.Helper()
	ok := tb.pollWithin(buildTimeout, what, func(ctx context.Context) (bool, error) {
		return chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	})
	if !ok {
		tb.t.Fatalf("%s: the page never showed %s", tb.name, what)
	}
}

// devLoop is a dev.Run on a copy of the repository.
type devLoop struct {
	root string // the copy
	url  string // where tabs connect (the dev proxy)
}

// startDevLoop copies the repository into a temp folder, runs the dev loop
// on it and waits until it serves. At the end of the test it stops the loop
// and checks that the server it ran is gone.
func startDevLoop(t testing.TB) *devLoop {
	t.Helper()
	root := t.TempDir()
	copyRepo(t, "../..", root)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serverAddr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var natsURL string // the loop's own NATS server, once it serves
	go func() {
		done <- dev.Run(ctx, dev.Options{
			Root: root, Listener: ln, ServerAddr: serverAddr,
			ServerArgs: []string{"--log-level", "warn"},
			Output:     t.Output(),
			Logger:     slog.New(slog.NewTextHandler(t.Output(), nil)),
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("dev loop: %v", err)
			}
		case <-time.After(time.Minute):
			t.Errorf("the dev loop did not stop")
		}
		// dev.Run kills the process groups it started before it returns.
		if c, err := net.DialTimeout("tcp", serverAddr, time.Second); err == nil {
			c.Close()
			t.Errorf("the server still listens on %s after the dev loop stopped", serverAddr)
		}
		if u, err := url.Parse(natsURL); err == nil && u.Host != "" {
			if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
				c.Close()
				t.Errorf("the loop's NATS server still listens on %s after the loop stopped", u.Host)
			}
		}
	})
	d := &devLoop{root: root, url: "http://" + ln.Addr().String()}
	// The first build of a fresh copy links both binaries (and compiles
	// everything on a cold build cache).
	waitHTTP(t, d.url+"/readyz", 5*time.Minute, done)
	natsURL = devState(t, d).NATS
	return d
}

// waitHTTP polls url until it answers 200, or fails the test at the
// deadline or when the loop ends.
func waitHTTP(t testing.TB, url string, timeout time.Duration, ended <-chan error) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-ended:
			t.Fatalf("the dev loop ended before it served: %v", err)
		case <-deadline.C:
			t.Fatalf("%s did not answer 200 within %v", url, timeout)
		case <-tick.C:
		}
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// copyRepo copies what the builds need (go.work and the three modules,
// without hidden folders, bin/ or data/) from src to dst.
func copyRepo(t testing.TB, src, dst string) {
	t.Helper()
	for _, name := range []string{"go.work", "go.work.sum"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			if name == "go.work.sum" && os.IsNotExist(err) {
				continue
			}
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tree := range []string{"server", "shared", "wasmclient"} {
		from := filepath.Join(src, tree)
		err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			if d.IsDir() {
				if p != from && (strings.HasPrefix(d.Name(), ".") || d.Name() == "bin" || d.Name() == "data") {
					return filepath.SkipDir
				}
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			if !d.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
		})
		if err != nil {
			t.Fatalf("copy the repository: %v", err)
		}
	}
}

// edit rewrites a file of the copy with change, as an editor saving it.
func (d *devLoop) edit(t testing.TB, file string, change func(string) string) {
	t.Helper()
	p := filepath.Join(d.root, filepath.FromSlash(file))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(change(string(data))), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replace replaces the one occurrence of old in a file of the copy.
func (d *devLoop) replace(t testing.TB, file, old, new string) {
	t.Helper()
	d.edit(t, file, func(s string) string {
		if n := strings.Count(s, old); n != 1 {
			t.Fatalf("%s holds %q %d times, want once: the dev loop test needs another text to edit", file, old, n)
		}
		return strings.Replace(s, old, new, 1)
	})
}

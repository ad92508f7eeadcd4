package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/switchboard-rt/switchboard/server/internal/chromium"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
)

// webDir holds the app.wasm and static files built once for all tests.
var webDir string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "switchboard-e2e-web-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := buildWeb(dir); err != nil {
		fmt.Fprintln(os.Stderr, "build the web app:", err)
		return 1
	}
	webDir = dir
	return m.Run()
}

// buildWeb compiles the wasm app and copies its static files into dir, as
// `make build` does.
func buildWeb(dir string) error {
	root, err := filepath.Abs("../../wasmclient")
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "app.wasm"), ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return os.CopyFS(dir, os.DirFS(filepath.Join(root, "web")))
}

// chromiumPath finds the browser; `make test` installs it when missing.
func chromiumPath(t testing.TB) string {
	p := chromium.Path(os.Getenv)
	if p == "" {
		t.Fatal("Chromium not found: run `make test`, which installs it with apt-get, or set CHROMIUM")
	}
	return p
}

// startNode starts a node serving the built web app.
func startNode(t testing.TB, cfg server.Config) *testnode.Node {
	cfg.WebDir = webDir
	return testnode.Start(t, cfg)
}

// browser starts a headless Chromium for the test and stops it at the end;
// the returned context opens tabs in it.
func browser(t testing.TB) context.Context {
	t.Helper()
	bctx, stop, err := chromium.Start(context.Background(), chromiumPath(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return bctx
}

// tab is one browser tab (in its own browser context: its own storage, as
// a different person's browser would have).
type tab struct {
	t    testing.TB
	name string
	ctx  context.Context
}

func newTab(t testing.TB, alloc context.Context, name string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithNewBrowserContext())
	t.Cleanup(func() {
		if t.Failed() {
			(&tab{t: t, name: name, ctx: ctx}).screenshot("failure-" + name)
		}
		cancel()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start browser tab %s: %v", name, err)
	}
	return &tab{t: t, name: name, ctx: ctx}
}

// stepTimeout bounds every wait for the page.
const stepTimeout = 20 * time.Second

func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

func (tb *tab) navigate(url string) {
	tb.t.Helper()
	tb.do("open "+url, chromedp.Navigate(url))
}

// axNodes finds the DOM nodes with role and accessible name in Chromium's
// accessibility tree.
func axNodes(role, name string) chromedp.Action[[]cdp.BackendNodeID] {
	return func(ctx context.Context, _ *chromedp.Target) ([]cdp.BackendNodeID, error) {
		doc, err := chromedp.Call(ctx, dom.GetDocument, dom.GetDocumentParams{})
		if err != nil {
			return nil, err
		}
		res, err := chromedp.Call(ctx, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{
			NodeID: doc.Root.NodeID, Role: role, AccessibleName: name,
		})
		if err != nil {
			return nil, err
		}
		var ids []cdp.BackendNodeID
		for _, n := range res.Nodes {
			if !n.Ignored && n.BackendDOMNodeID != 0 {
				ids = append(ids, n.BackendDOMNodeID)
			}
		}
		return ids, nil
	}
}

// find waits until exactly one element has role and name, and returns it.
func (tb *tab) find(role, name string) cdp.BackendNodeID {
	tb.t.Helper()
	var last []cdp.BackendNodeID
	ok := tb.poll(fmt.Sprintf("the %s %q", role, name), func(ctx context.Context) (bool, error) {
		ids, err := chromedp.Run(ctx, axNodes(role, name))
		last = ids
		return len(ids) == 1, err
	})
	if !ok {
		tb.t.Fatalf("%s: found %d elements with role %s and name %q, want 1", tb.name, len(last), role, name)
	}
	return last[0]
}

// poll calls cond until it reports true or stepTimeout passes.
func (tb *tab) poll(what string, cond func(ctx context.Context) (bool, error)) bool {
	tb.t.Helper()
	return tb.pollWithin(stepTimeout, what, cond)
}

// pollWithin calls cond until it reports true or timeout passes.
func (tb *tab) pollWithin(timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) bool {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		ok, err := cond(ctx)
		if ok && err == nil {
			return true
		}
		lastErr = err
		select {
		case <-ctx.Done():
			tb.t.Logf("%s: waiting for %s: %v (last error: %v)", tb.name, what, ctx.Err(), lastErr)
			return false
		case <-tick.C:
		}
	}
}

// focus gives the element keyboard focus, as a Tab key would.
func focus(id cdp.BackendNodeID) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, dom.Focus, dom.FocusParams{BackendNodeID: id})
		return err
	})
}

// callOn runs the JavaScript function declaration with the element as this.
func callOn[T any](id cdp.BackendNodeID, fn string) chromedp.Action[T] {
	return func(ctx context.Context, _ *chromedp.Target) (T, error) {
		var v T
		obj, err := chromedp.Call(ctx, dom.ResolveNode, dom.ResolveNodeParams{BackendNodeID: id})
		if err != nil {
			return v, err
		}
		byValue := true
		res, err := chromedp.Call(ctx, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
			FunctionDeclaration: fn, ObjectID: obj.Object.ObjectID, ReturnByValue: &byValue,
		})
		if err != nil {
			return v, err
		}
		if res.ExceptionDetails != nil {
			return v, fmt.Errorf("javascript: %s", res.ExceptionDetails.Text)
		}
		if len(res.Result.Value) > 0 {
			err = json.Unmarshal(res.Result.Value, &v)
		}
		return v, err
	}
}

// typeInto focuses the field with the accessible name and types text, key
// by key.
func (tb *tab) typeInto(role, name, text string) {
	tb.t.Helper()
	id := tb.find(role, name)
	tb.do("type into "+name, focus(id), chromedp.KeyEvent(text))
}

// clear selects everything in the field and deletes it with Backspace.
func (tb *tab) clear(role, name string) {
	tb.t.Helper()
	id := tb.find(role, name)
	tb.do("clear "+name, focus(id),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := callOn[any](id, "function() { this.select(); }")(ctx, t)
			return err
		}),
		chromedp.KeyEvent(kb.Backspace))
}

// click clicks the middle of the element with the mouse.
func (tb *tab) click(role, name string) {
	tb.t.Helper()
	id := tb.find(role, name)
	tb.do("click "+name, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, dom.ScrollIntoViewIfNeeded, dom.ScrollIntoViewIfNeededParams{BackendNodeID: id}); err != nil {
			return err
		}
		box, err := chromedp.Call(ctx, dom.GetBoxModel, dom.GetBoxModelParams{BackendNodeID: id})
		if err != nil {
			return err
		}
		q := box.Model.Content
		x, y := (q[0]+q[2]+q[4]+q[6])/4, (q[1]+q[3]+q[5]+q[7])/4
		_, err = chromedp.MouseClickXY(x, y)(ctx, t)
		return err
	}))
}

func (tb *tab) pressEnter() {
	tb.t.Helper()
	tb.do("press Enter", chromedp.KeyEvent(kb.Enter))
}

// text returns the text content of the element with role and name, or ""
// when there is not exactly one.
func text(ctx context.Context, role, name string) (string, error) {
	ids, err := chromedp.Run(ctx, axNodes(role, name))
	if err != nil || len(ids) != 1 {
		return "", err
	}
	return chromedp.Run(ctx, callOn[string](ids[0], "function() { return this.textContent; }"))
}

// waitText waits until the element with role and name shows text.
func (tb *tab) waitText(role, name, want string) {
	tb.t.Helper()
	var got string
	ok := tb.poll(fmt.Sprintf("%q in %s %q", want, role, name), func(ctx context.Context) (bool, error) {
		var err error
		got, err = text(ctx, role, name)
		return strings.Contains(got, want), err
	})
	if !ok {
		tb.t.Fatalf("%s: %s %q never showed %q; it shows %q", tb.name, role, name, want, got)
	}
}

// screenshot writes a PNG of the tab into the test's artifact folder.
func (tb *tab) screenshot(name string) string {
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	dir := tb.t.(interface{ ArtifactDir() string }).ArtifactDir()
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	tb.t.Logf("screenshot: %s", path)
	return path
}

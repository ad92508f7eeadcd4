package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
)

// clickSelector clicks the middle of the first element matching a CSS
// selector with the mouse.
func (tb *tab) clickSelector(sel string) {
	tb.t.Helper()
	tb.do("click "+sel, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		doc, err := chromedp.Call(ctx, dom.GetDocument, dom.GetDocumentParams{})
		if err != nil {
			return err
		}
		node, err := chromedp.Call(ctx, dom.QuerySelector, dom.QuerySelectorParams{NodeID: doc.Root.NodeID, Selector: sel})
		if err != nil {
			return err
		}
		box, err := chromedp.Call(ctx, dom.GetBoxModel, dom.GetBoxModelParams{NodeID: node.NodeID})
		if err != nil {
			return err
		}
		q := box.Model.Content
		x, y := (q[0]+q[2]+q[4]+q[6])/4, (q[1]+q[3]+q[5]+q[7])/4
		_, err = chromedp.MouseClickXY(x, y)(ctx, t)
		return err
	}))
}

// waitSelectorText waits until the element matching sel has text want.
func (tb *tab) waitSelectorText(sel, want string) {
	tb.t.Helper()
	var got string
	expr := fmt.Sprintf("(document.querySelector(%q) || {}).textContent || ''", sel)
	ok := tb.poll(fmt.Sprintf("%q in %s", want, sel), func(ctx context.Context) (bool, error) {
		var err error
		got, err = chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		return strings.TrimSpace(got) == want, err
	})
	if !ok {
		tb.t.Fatalf("%s: %s never showed %q; it shows %q", tb.name, sel, want, got)
	}
}

// The classic synchronisation demo's page (its HTML and JavaScript,
// served from another site whose origin the server allows) works against
// /counter unchanged, and the web app's counter page shares the same
// counter: clicks on either side show on both, and both count 2 online.
func TestCounterDemoPageAndCounterPage(t *testing.T) {
	demo := httptest.NewServer(http.FileServer(http.Dir("testdata/counter-demo")))
	t.Cleanup(demo.Close)
	n := startNode(t, server.Config{AllowedOrigins: []string{demo.URL}})
	alloc := browser(t)

	classic := newTab(t, alloc, "classic")
	ws := "ws" + strings.TrimPrefix(n.HTTP.URL, "http") + "/counter"
	classic.navigate(demo.URL + "/index.html?server=" + ws)
	classic.waitSelectorText(".value", "0")
	classic.waitSelectorText(".users", "1 user")

	app := newTab(t, alloc, "app")
	app.navigate(n.HTTP.URL + "/c/default")
	app.waitText("status", "Counter value", "0")
	app.waitText("status", "Online", "2 online")
	classic.waitSelectorText(".users", "2 users")

	classic.clickSelector(".plus")
	classic.clickSelector(".plus")
	classic.waitSelectorText(".value", "2")
	app.waitText("status", "Counter value", "2")

	app.click("button", "Minus one")
	app.waitText("status", "Counter value", "1")
	classic.waitSelectorText(".value", "1")
	classic.clickSelector(".minus")
	classic.clickSelector(".minus")
	app.waitText("status", "Counter value", "-1")
	classic.waitSelectorText(".value", "-1")

	// Keyboard: Tab to Plus one and press Enter.
	app.activate("button", "Plus one")
	app.waitText("status", "Counter value", "0")
	classic.waitSelectorText(".value", "0")
	app.screenshot("counter-page")
	classic.screenshot("counter-classic-demo")
}

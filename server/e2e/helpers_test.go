package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// openTab is newTab that also returns a function closing the tab (as a
// person closing it would: the page and its socket go away).
func openTab(t testing.TB, alloc context.Context, name string) (*tab, context.CancelFunc) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithNewBrowserContext())
	tb := &tab{t: t, name: name, ctx: ctx}
	t.Cleanup(func() {
		if t.Failed() && ctx.Err() == nil {
			tb.screenshot("failure-" + name)
		}
		cancel()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start browser tab %s: %v", name, err)
	}
	return tb, cancel
}

// joinRoom opens the home page at base, joins room as the tab's name and
// waits for the composer and the Connected state.
func (tb *tab) joinRoom(base, room string) {
	tb.t.Helper()
	tb.navigate(base + "/")
	tb.typeInto("textbox", "Nickname", tb.name)
	tb.clear("textbox", "Room")
	tb.typeInto("textbox", "Room", room)
	tb.click("button", "Join")
	tb.find("textbox", "Message")
	tb.waitText("status", "Connection", "Connected")
}

// say types text in the composer and presses Enter.
func (tb *tab) say(text string) {
	tb.t.Helper()
	tb.typeInto("textbox", "Message", text)
	tb.pressEnter()
}

// activate focuses the element and presses Enter, as a keyboard user does.
func (tb *tab) activate(role, name string) {
	tb.t.Helper()
	id := tb.find(role, name)
	tb.do("activate "+name, focus(id), chromedp.KeyEvent(kb.Enter))
}

// key focuses the element and sends one key.
func (tb *tab) key(role, name, key string) {
	tb.t.Helper()
	id := tb.find(role, name)
	tb.do("press a key in "+name, focus(id), chromedp.KeyEvent(key))
}

// waitNoText waits until the element with role and name no longer shows text.
func (tb *tab) waitNoText(role, name, gone string) {
	tb.t.Helper()
	var got string
	ok := tb.poll(fmt.Sprintf("%q gone from %s %q", gone, role, name), func(ctx context.Context) (bool, error) {
		var err error
		got, err = text(ctx, role, name)
		return err == nil && !strings.Contains(got, gone), err
	})
	if !ok {
		tb.t.Fatalf("%s: %s %q still shows %q: %q", tb.name, role, name, gone, got)
	}
}

// evalOn runs a JavaScript function on the element with role and name and
// returns its result.
func evalOn[T any](tb *tab, role, name, fn string) T {
	tb.t.Helper()
	id := tb.find(role, name)
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, callOn[T](id, fn))
	if err != nil {
		tb.t.Fatalf("%s: evaluate on %s %q: %v", tb.name, role, name, err)
	}
	return v
}

// evalPage evaluates a JavaScript expression in the page.
func evalPage[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("%s: evaluate %s: %v", tb.name, expr, err)
	}
	return v
}

// waitBody waits until the page's text contains want, and returns it.
func (tb *tab) waitBody(want string) string {
	tb.t.Helper()
	var got string
	ok := tb.poll(fmt.Sprintf("%q on the page", want), func(ctx context.Context) (bool, error) {
		var err error
		got, err = chromedp.Run(ctx, chromedp.Evaluate[string]("document.body.innerText"))
		return strings.Contains(got, want), err
	})
	if !ok {
		tb.t.Fatalf("%s: the page never showed %q; it shows %q", tb.name, want, got)
	}
	return got
}

// count returns how many elements have role and name.
func (tb *tab) count(role, name string) int {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	ids, err := chromedp.Run(ctx, axNodes(role, name))
	if err != nil {
		tb.t.Fatalf("%s: query %s %q: %v", tb.name, role, name, err)
	}
	return len(ids)
}

// joinGo joins room with a Go client and returns the joined event.
func joinGo(t testing.TB, c *client.Conn, room string) protocol.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ev, err := c.Join(ctx, room)
	if err != nil {
		t.Fatalf("join %s: %v", room, err)
	}
	return ev
}

// sendGo sends text to room with a Go client and waits for the ack.
func sendGo(t testing.TB, c *client.Conn, room, text string) protocol.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := c.Send(ctx, room, text)
	if err != nil {
		t.Fatalf("send %q: %v", text, err)
	}
	return ack
}

// textOf returns the text content of the element with role and name.
func textOf(tb *tab, role, name string) (string, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	return text(ctx, role, name)
}

func strconvItoa(i int) string { return strconv.Itoa(i) }

// beforeScripts has the tab run script in every page it opens, before the
// page's own scripts.
func (tb *tab) beforeScripts(script string) {
	tb.t.Helper()
	tb.do("add a script to every page", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	}))
}

// rememberNickname is a script that stores name as the browser's
// nickname, as a returning visitor's browser has it.
func rememberNickname(name string) string {
	return `localStorage.setItem("switchboard/identity", JSON.stringify({name: ` + strconv.Quote(name) + `}));`
}

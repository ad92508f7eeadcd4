package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/api"
	"github.com/switchboard-rt/switchboard/server/web"
	"github.com/switchboard-rt/switchboard/wasmclient/ui"
)

// A public room's page is served with its recent messages: they are on
// screen without JavaScript, the app takes the page over without a frame
// in which the newest message is missing or scrolled away, and a message
// arriving live afterwards shows once. A private room's page holds none.
func TestPrerenderedRoom(t *testing.T) {
	const room, private, key = "e2e-pre", "team-pre", "pre-key-0123456789abcdef01234"
	node := startNode(t, server.Config{PrivateRooms: []string{"team-*"},
		APIRequestsPerSecond: 1000, APIKeys: []api.Key{{Name: "poster", Secret: key, Rooms: []string{"*"}}}})
	const hostile = `"><img src=x onerror=alert(1)> <b>not bold</b>`
	post := func(room, sender, text string) {
		t.Helper()
		code, answer := apiPost(t, node.HTTP.URL+"/api/v1/rooms/"+room+"/messages", key,
			fmt.Sprintf(`{"sender":%q,"text":%q}`, sender, text))
		if code != http.StatusCreated {
			t.Fatalf("publish to %s: %d %s", room, code, answer)
		}
	}
	// More than a screenful (and than the prerender holds), so that the
	// list scrolls.
	for i := 1; i <= 40; i++ {
		post(room, "pat", "older message "+strconv.Itoa(i))
	}
	post(room, `Eve "the quoter"`, hostile)
	post(room, "pat", "newest prerendered")
	post(private, "pat", "secret words")

	// The HTML itself.
	html := getPage(t, node.HTTP.URL+"/r/"+room)
	for _, want := range []string{"newest prerendered", "older message 40", "Eve &#34;the quoter&#34;", "&#34;&gt;&lt;img src=x"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page of %s does not hold %q", room, want)
		}
	}
	if strings.Contains(html, "<img src=x") || strings.Contains(html, "older message 1<") {
		t.Errorf("the page of %s holds raw markup from a message, or more than %d messages", room, web.DefaultPrerenderMessages)
	}
	if !strings.Contains(getPage(t, node.HTTP.URL+"/embed/"+room), "newest prerendered") {
		t.Errorf("the embed page of %s does not hold its messages", room)
	}
	for _, path := range []string{"/r/" + private, "/embed/" + private, "/r/" + private + "?" + ui.SnapshotParam + "=1"} {
		if html := getPage(t, node.HTTP.URL+path); strings.Contains(html, "secret words") || strings.Contains(html, "data-seed") {
			t.Errorf("%s leaks the private room's messages", path)
		}
	}

	alloc := browser(t)

	// Without JavaScript: the messages are there and on top (no loading
	// screen in front of them).
	nojs := newTab(t, alloc, "nojs")
	nojs.do("disable JavaScript", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	nojs.navigate(node.HTTP.URL + "/r/" + room)
	nojs.checkOnTop("#sb-messages > li:last-child", "newest prerendered")
	nojs.screenshot("prerendered-desktop")
	nojs.do("phone width", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true})
		return err
	}))
	nojs.navigate(node.HTTP.URL + "/r/" + room)
	nojs.checkOnTop("#sb-messages > li:last-child", "newest prerendered")
	nojs.screenshot("prerendered-phone")

	// With JavaScript, as a returning visitor: every frame from the first
	// one that shows the list to the joined room shows the newest message
	// inside the scroller.
	ann := newTab(t, alloc, "ann")
	ann.beforeScripts(rememberNickname("ann") + frameWatch)
	ann.navigate(node.HTTP.URL + "/r/" + room)
	ann.find("textbox", "Message")
	ann.waitText("status", "Connection", "Connected")
	waitEval(ann, `window.__sbDone === true`, true)
	if bad := evalPage[string](ann, `window.__sbBadFrame || ""`); bad != "" {
		t.Errorf("a frame during the takeover: %s", bad)
	}
	post(room, "pat", "live after load")
	ann.waitText("list", "Messages", "live after load")
	if n := evalPage[int](ann, `document.getElementById("sb-messages").textContent.split("live after load").length - 1`); n != 1 {
		t.Errorf("the live message shows %d times", n)
	}
	if n := evalPage[int](ann, `document.getElementById("sb-messages").textContent.split("newest prerendered").length - 1`); n != 1 {
		t.Errorf("the newest prerendered message shows %d times", n)
	}
}

// frameWatch runs before the page's scripts (after rememberNickname: a
// returning visitor) and checks, in every frame from the first that shows
// the list until 30 checks after the room is joined (the status says
// Connected, the composer is there, the list is no longer the prerendered
// one), that the newest message is inside the message scroller's box.
const frameWatch = `
window.__sbFrames = 0;
const check = () => {
	try { step(); } catch (e) { window.__sbBadFrame = window.__sbBadFrame || ("check " + window.__sbFrames + ": " + e); }
};
// Before every frame, and every few milliseconds besides (headless
// Chromium stops producing frames for a page that does not change).
(function frame() { check(); if (!window.__sbDone) requestAnimationFrame(frame); })();
const timer = setInterval(() => { check(); if (window.__sbDone) clearInterval(timer); }, 4);
function step() {
	const scroller = document.getElementById("sb-scroll");
	const list = document.getElementById("sb-messages");
	const status = document.querySelector(".sb-status-text");
	if (window.__sbFrames > 0 || (list && list.textContent.includes("newest prerendered"))) {
		window.__sbFrames++;
		if (!list || !list.textContent.includes("newest prerendered")) {
			window.__sbBadFrame = window.__sbBadFrame || ("frame " + window.__sbFrames + ": the newest message is missing");
		} else {
			const box = scroller.getBoundingClientRect();
			const last = list.lastElementChild.getBoundingClientRect();
			if (last.bottom > box.bottom + 1 || last.bottom < box.top) {
				window.__sbBadFrame = window.__sbBadFrame ||
					("frame " + window.__sbFrames + ": the newest message is scrolled out of view (" + last.bottom + " outside " + box.top + ".." + box.bottom + ")");
			}
		}
	}
	if (window.__sbAfter === undefined && status && status.textContent === "Connected" &&
		document.getElementById("sb-message") && scroller && !scroller.classList.contains("sb-scroll-seed")) {
		window.__sbAfter = 30;
	}
	if (window.__sbAfter !== undefined && window.__sbAfter-- <= 0) {
		// 30 checks after the room joined: the deferred scroll is done.
		window.__sbDone = true;
	}
}
`

// checkOnTop checks that the element sel holds want and is what the page
// shows at its centre (nothing covers it), using DevTools calls only (the
// page may run no JavaScript).
func (tb *tab) checkOnTop(sel, want string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	// The document may still be settling from the navigation (node ids
	// go stale): look it up until it holds the element.
	var found dom.QuerySelectorResult
	var outer dom.GetOuterHTMLResult
	ok := tb.poll(sel+" holding "+want, func(ctx context.Context) (bool, error) {
		doc, err := chromedp.Call(ctx, dom.GetDocument, dom.GetDocumentParams{})
		if err != nil {
			return false, err
		}
		found, err = chromedp.Call(ctx, dom.QuerySelector, dom.QuerySelectorParams{NodeID: doc.Root.NodeID, Selector: sel})
		if err != nil || found.NodeID == 0 {
			return false, err
		}
		outer, err = chromedp.Call(ctx, dom.GetOuterHTML, dom.GetOuterHTMLParams{NodeID: found.NodeID})
		return err == nil && strings.Contains(outer.OuterHTML, want), err
	})
	if !ok {
		tb.t.Fatalf("%s: no %s holding %q on the page", tb.name, sel, want)
	}
	box, err := chromedp.Call(ctx, dom.GetBoxModel, dom.GetBoxModelParams{NodeID: found.NodeID})
	if err != nil {
		tb.t.Fatalf("%s: the box of %s: %v", tb.name, sel, err)
	}
	q := box.Model.Content // x1 y1 x2 y2 x3 y3 x4 y4
	x, y := int64((q[0]+q[4])/2), int64((q[1]+q[5])/2)
	at, err := chromedp.Call(ctx, dom.GetNodeForLocation, dom.GetNodeForLocationParams{X: x, Y: y})
	if err != nil {
		tb.t.Fatalf("%s: the element at (%d, %d): %v", tb.name, x, y, err)
	}
	top, err := chromedp.Call(ctx, dom.GetOuterHTML, dom.GetOuterHTMLParams{BackendNodeID: at.BackendNodeID})
	if err != nil {
		tb.t.Fatal(err)
	}
	if !strings.Contains(outer.OuterHTML, top.OuterHTML) {
		tb.t.Fatalf("%s: at the centre of %s the page shows %q, not the element", tb.name, sel, top.OuterHTML)
	}
}

// getPage returns the body of a GET of url, which must answer 200.
func getPage(t testing.TB, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, res.Status, err)
	}
	return string(body)
}

// apiPost posts a JSON body to the HTTP API with key and returns the
// status and the answer.
func apiPost(t testing.TB, url, key, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(answer)
}

package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/switchboard-rt/switchboard/server"
)

// Two people on a room's shared board: each sees the other's pointer, with
// their name, where it is (moved with the mouse, or with the arrow keys),
// and a person who closes the tab disappears from the board.
func TestCursorsAcrossTabs(t *testing.T) {
	const room = "e2e-board"
	n := startNode(t, server.Config{})
	alloc := browser(t)
	ann, _ := openTab(t, alloc, "ann")
	bob, closeBob := openTab(t, alloc, "bob")
	ann.joinRoom(n.HTTP.URL, room)
	bob.joinRoom(n.HTTP.URL, room)
	ann.waitText("region", "Online", "bob")
	// The board starts closed: each opens it with its summary.
	if ann.count("group", "Shared board") != 0 {
		t.Fatal("the shared board is open before anyone opened it")
	}
	for _, tb := range []*tab{ann, bob} {
		tb.clickSelector("#sb-board-panel > summary")
	}

	bob.moveOnBoard(0.2, 0.5, 0.25, 0.5)
	ann.waitPointerAt("bob", 25, 50)
	bob.moveOnBoard(0.5, 0.4, 0.75, 0.3)
	ann.waitPointerAt("bob", 75, 30)
	ann.screenshot("board-ann")

	// The keyboard moves a pointer too: from the top left, two steps right.
	ann.do("arrow keys on the board", focus(ann.find("group", "Shared board")),
		chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowDown))
	bob.waitPointerAt("ann", 4, 2)

	closeBob()
	ok := ann.poll("bob's pointer to disappear", func(ctx context.Context) (bool, error) {
		ids, err := chromedp.Run(ctx, axNodes("image", "bob's pointer"))
		return len(ids) == 0, err
	})
	if !ok {
		t.Fatal("bob's pointer stayed on ann's board after bob left")
	}
}

// moveOnBoard moves the mouse over the shared board from (x0, y0) to
// (x1, y1), in fractions of its size, in a few steps.
func (tb *tab) moveOnBoard(x0, y0, x1, y1 float64) {
	tb.t.Helper()
	id := tb.find("group", "Shared board")
	tb.do("move the mouse over the board", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, dom.ScrollIntoViewIfNeeded, dom.ScrollIntoViewIfNeededParams{BackendNodeID: id}); err != nil {
			return err
		}
		box, err := chromedp.Call(ctx, dom.GetBoxModel, dom.GetBoxModelParams{BackendNodeID: id})
		if err != nil {
			return err
		}
		q := box.Model.Border // top left, top right, bottom right, bottom left
		left, top, w, h := q[0], q[1], q[2]-q[0], q[5]-q[1]
		const steps = 8
		for i := 0; i <= steps; i++ {
			f := float64(i) / steps
			x, y := left+w*(x0+(x1-x0)*f), top+h*(y0+(y1-y0)*f)
			if _, err := chromedp.MouseEvent(chromedp.MouseMoved, x, y)(ctx, t); err != nil {
				return err
			}
		}
		return nil
	}))
}

// waitPointerAt waits until name's pointer shows on the board at about
// (x%, y%).
func (tb *tab) waitPointerAt(name string, x, y float64) {
	tb.t.Helper()
	var got string
	ok := tb.poll(name+"'s pointer at "+strconv.FormatFloat(x, 'f', 0, 64)+"%", func(ctx context.Context) (bool, error) {
		ids, err := chromedp.Run(ctx, axNodes("image", name+"'s pointer"))
		if err != nil || len(ids) != 1 {
			return false, err
		}
		got, err = chromedp.Run(ctx, callOn[string](ids[0], "function() { return this.style.left + ' ' + this.style.top + ' ' + this.textContent; }"))
		f := strings.Fields(got)
		if err != nil || len(f) < 3 || f[2] != name {
			return false, err
		}
		gx, _ := strconv.ParseFloat(strings.TrimSuffix(f[0], "%"), 64)
		gy, _ := strconv.ParseFloat(strings.TrimSuffix(f[1], "%"), 64)
		return abs(gx-x) < 1.5 && abs(gy-y) < 1.5, nil
	})
	if !ok {
		html := evalPage[string](tb, `document.getElementById('sb-board').outerHTML`)
		tb.t.Fatalf("%s: %s's pointer is at %q, want about %v%% %v%%; the board: %s", tb.name, name, got, x, y, html)
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

package ui

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// cursorSendEvery is the least time between two cursor updates a page
// sends (protocol.CursorsPerSecond); a move in between is sent when it
// ends (the last position always goes out).
const cursorSendEvery = time.Second / protocol.CursorsPerSecond

// keyStep is how far an arrow key moves the person's pointer on the board.
const keyStep = 0.02

// cursorMove is the value of actionCursorMove: the person's pointer moved
// to (X, Y) on the board, in fractions of its size.
type cursorMove struct{ X, Y float64 }

// cursorBoard is the room's shared board: everyone else's pointer over it,
// with their name and colour, live. It owns the cursors it shows, so that
// the 20 batches a second a busy board gets redraw the board alone, not
// the room page. The page passes it the cursors events it receives
// (actionCursors) and sends the moves it posts (actionCursorMove).
type cursorBoard struct {
	app.Compo
	// Me is the person's user id: their own cursor is not drawn.
	Me string

	cursors  map[string]protocol.Cursor
	lastSent time.Time
	pending  *cursorMove // a move waiting for its turn
	at       cursorMove  // where the person's pointer is, for the keyboard
}

// OnMount listens for the cursors the page passes on.
func (b *cursorBoard) OnMount(ctx app.Context) {
	ctx.Handle(actionCursors, func(ctx app.Context, a app.Action) {
		if ev, ok := a.Value.(protocol.Event); ok {
			b.apply(ev)
		}
	})
}

// apply takes a cursors batch: moved people replace their last position,
// people who left are dropped. A batch with no Cursors clears the board
// (the page left the room).
func (b *cursorBoard) apply(ev protocol.Event) {
	if len(ev.Cursors) == 0 || b.cursors == nil {
		b.cursors = make(map[string]protocol.Cursor)
		if len(ev.Cursors) == 0 {
			return
		}
	}
	for _, c := range ev.Cursors {
		if c.Gone {
			delete(b.cursors, c.User)
		} else {
			b.cursors[c.User] = c
		}
	}
}

// onPointerMove sends where the pointer is, at most every cursorSendEvery.
// Moving the pointer redraws nothing.
func (b *cursorBoard) onPointerMove(ctx app.Context, e app.Event) {
	ctx.PreventUpdate()
	rect := ctx.JSSrc().Call("getBoundingClientRect")
	w, h := rect.Get("width").Float(), rect.Get("height").Float()
	if w <= 0 || h <= 0 {
		return
	}
	x := clamp01((e.Get("clientX").Float() - rect.Get("left").Float()) / w)
	y := clamp01((e.Get("clientY").Float() - rect.Get("top").Float()) / h)
	b.move(ctx, cursorMove{x, y})
}

// onKey moves the person's pointer with the arrow keys.
func (b *cursorBoard) onKey(ctx app.Context, e app.Event) {
	ctx.PreventUpdate()
	at := b.at
	switch e.Get("key").String() {
	case "ArrowLeft":
		at.X -= keyStep
	case "ArrowRight":
		at.X += keyStep
	case "ArrowUp":
		at.Y -= keyStep
	case "ArrowDown":
		at.Y += keyStep
	default:
		return
	}
	e.PreventDefault()
	b.move(ctx, cursorMove{clamp01(at.X), clamp01(at.Y)})
}

// move sends m now, or when cursorSendEvery has passed since the last send.
func (b *cursorBoard) move(ctx app.Context, m cursorMove) {
	b.at = m
	wait := cursorSendEvery - time.Since(b.lastSent)
	if wait <= 0 {
		b.lastSent = time.Now()
		ctx.NewActionWithValue(actionCursorMove, m)
		return
	}
	if b.pending == nil {
		ctx.After(wait, func(ctx app.Context) {
			ctx.PreventUpdate()
			if p := b.pending; p != nil {
				b.pending = nil
				b.lastSent = time.Now()
				ctx.NewActionWithValue(actionCursorMove, *p)
			}
		})
	}
	b.pending = &m
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// Render draws the board and the others' pointers, each a coloured arrow
// with the person's name.
func (b *cursorBoard) Render() app.UI {
	others := make([]protocol.Cursor, 0, len(b.cursors))
	for _, c := range b.cursors {
		if c.User != b.Me {
			others = append(others, c)
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].Name < others[j].Name })
	return app.Div().
		ID(idBoard).
		Class("sb-board").
		TabIndex(0).
		Role("group").
		Aria("label", "Shared board").
		Aria("describedby", idBoardHint).
		On("pointermove", b.onPointerMove).
		OnKeyDown(b.onKey).
		Body(
			app.P().ID(idBoardHint).Class("sb-board-hint").
				Text("Move your pointer here (or use the arrow keys): everyone in the room sees it."),
			app.Range(others).Slice(func(i int) app.UI {
				c := others[i]
				return app.Div().
					Class("sb-cursor").
					Role("img").
					Aria("label", c.Name+"'s pointer").
					Style("left", pct(c.X)).
					Style("top", pct(c.Y)).
					Style("--hue", strconv.Itoa(hue(c.User+c.Name))).
					Body(
						app.Span().Class("sb-cursor-arrow").Aria("hidden", true),
						app.Span().Class("sb-cursor-name").Aria("hidden", true).Text(c.Name),
					)
			}),
		)
}

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 2, 64) + "%" }

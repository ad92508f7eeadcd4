package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderFeed shows the room's live data, when it has any: one line chart
// per unit (GroupByUnit), each with a legend of its series' current values,
// in a panel people can fold away.
func (c *roomPage) renderFeed() app.UI {
	if len(c.feed.series) == 0 {
		return nil
	}
	groups := GroupByUnit(c.feed.series)
	window := c.feed.window()
	charts := make([]app.UI, len(groups))
	for i, g := range groups {
		charts[i] = &LineChart{Label: chartLabel(g), Window: window, Series: g}
	}
	return app.Details().
		ID(idFeed).
		Class("sb-feed").
		Open(true).
		Body(
			app.Summary().
				Class("sb-feed-summary").
				Body(
					app.Span().Class("sb-feed-title").Text("Live data"),
					app.Span().Class("sb-feed-window").Text("last "+strconv.Itoa(int(window/time.Minute))+" min"),
				),
			app.Section().
				Class("sb-feed-charts").
				Aria("label", "Live data").
				Body(charts...),
		)
}

// renderBoard shows the shared board with everyone's pointer in a panel
// that starts closed (its summary opens it); whether the person opened it
// is kept per room.
func (c *roomPage) renderBoard() app.UI {
	return openIf(app.Details(), c.boardOpen).
		ID(idBoardPanel).
		Class("sb-feed sb-board-panel").
		On("toggle", c.onBoardToggle).
		Body(
			app.Summary().
				Class("sb-feed-summary").
				Body(
					app.Span().Class("sb-feed-title").Text("Shared board"),
					app.Span().Class("sb-feed-window").Text(boardHint(c.boardOpen)),
				),
			&cursorBoard{Me: c.model.me.ID},
		)
}

// openIf sets d's open attribute only when open is true: go-app's server
// rendering writes a false boolean as open="false", which HTML reads as
// open (a prerendered page would show the panel that the app then closes).
func openIf(d app.HTMLDetails, open bool) app.HTMLDetails {
	if open {
		return d.Open(true)
	}
	return d
}

// onBoardToggle keeps the board's open state, for this room, across
// reloads.
func (c *roomPage) onBoardToggle(ctx app.Context, _ app.Event) {
	open := ctx.JSSrc().Get("open").Bool()
	if open == c.boardOpen {
		return
	}
	c.boardOpen = open
	if open {
		ctx.LocalStorage().Set(keyBoardPrefix+c.room, true)
	} else {
		ctx.LocalStorage().Del(keyBoardPrefix + c.room)
	}
}

// boardHint is the board panel's summary line, open or closed.
func boardHint(open bool) string {
	if open {
		return "everyone's pointer, live"
	}
	return "open it to see everyone's pointer"
}

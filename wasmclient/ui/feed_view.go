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

// renderBoard shows the shared board with everyone's pointer, in a panel
// people can fold away.
func (c *roomPage) renderBoard() app.UI {
	return app.Details().
		ID(idBoardPanel).
		Class("sb-feed sb-board-panel").
		Open(true).
		Body(
			app.Summary().
				Class("sb-feed-summary").
				Body(
					app.Span().Class("sb-feed-title").Text("Shared board"),
					app.Span().Class("sb-feed-window").Text("everyone's pointer, live"),
				),
			&cursorBoard{Me: c.model.me.ID},
		)
}

package ui

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// historyPage is how many older events one "load older" asks for.
const historyPage = 50

// onScroll loads older messages when the list is scrolled to its top.
func (c *roomPage) onScroll(ctx app.Context, e app.Event) {
	if ctx.JSSrc().Get("scrollTop").Int() > 80 || !c.model.more || c.model.older {
		ctx.PreventUpdate()
		return
	}
	c.loadOlder(ctx)
}

func (c *roomPage) onLoadOlder(ctx app.Context, e app.Event) { c.loadOlder(ctx) }

// loadOlder asks for the page of history before the oldest message shown
// and prepends it, keeping what is on screen where it is.
func (c *roomPage) loadOlder(ctx app.Context) {
	if !c.model.more || c.model.older || c.sess == nil {
		return
	}
	oldest := c.model.oldestOffset()
	if oldest <= 1 {
		c.model.more = false
		return
	}
	c.model.older, c.historyErr = true, ""
	s, sctx := c.sess, c.sctx
	cmd := protocol.Command{Type: protocol.CmdHistory, Room: c.room, Epoch: c.model.epoch(), Offset: oldest, Limit: historyPage}
	fromBottom := scrollFromBottom(idScroll)
	ctx.Async(func() {
		rctx, cancel := context.WithTimeout(sctx, 10*time.Second)
		ev, err := s.Do(rctx, cmd)
		cancel()
		ctx.Dispatch(func(ctx app.Context) {
			if c.sess != s {
				return
			}
			if err != nil {
				c.model.older, c.jumping = false, 0
				c.historyErr = "Older messages could not be loaded. Try again when connected."
				return
			}
			more := ev.More && len(ev.Events) > 0
			c.model.prependHistory(ev.Events, more)
			ctx.Defer(func(app.Context) { setScrollFromBottom(idScroll, fromBottom) })
			c.continueJump(ctx)
		})
	})
}

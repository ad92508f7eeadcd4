package ui

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// applyState shows the session's connection state.
func (c *roomPage) applyState(ctx app.Context, st client.State) {
	c.phase, c.retryAt, c.stateErr = st.Phase, st.RetryAt, st.Err
	if st.Phase == client.Connected {
		c.connected = true
		c.model.notice = ""
	}
	if st.Phase != client.Offline {
		return
	}
	var refused *client.RefusedError
	if errors.As(st.Err, &refused) {
		c.refuseName(refused.Err)
	}
}

// refuseName shows the nickname form again, with why the server refused
// the name and the free one it proposes.
func (c *roomPage) refuseName(err *protocol.Error) {
	if c.token != "" {
		return // the token names the person: the banner says what is wrong
	}
	switch err.Code {
	case protocol.CodeInvalidName, protocol.CodeNameTaken:
	default:
		return
	}
	c.stop()
	c.needName = true
	c.nameErr = plainError(err)
	c.nameHint = c.id.Name
	c.suggestion = err.Suggestion
	if err.Suggestion != "" {
		c.nameHint = err.Suggestion
	}
}

// applyWelcome stores who the server says we are and the token to present
// next time, and notices a new server build.
func (c *roomPage) applyWelcome(ctx app.Context, ev protocol.Event, name string) {
	if ev.User != nil {
		c.model.me = *ev.User
		if ev.User.Name != "" {
			name = ev.User.Name
		}
		c.followInbox(*ev.User)
		c.joinConversation(*ev.User)
	}
	if c.token == "" {
		c.id = identity{Name: name, Session: ev.Session}
		storeIdentity(ctx.LocalStorage(), c.id)
	}
	if c.boot != "" && ev.Boot != "" && ev.Boot != c.boot {
		c.expectUpdate = true
		app.TryUpdate()
	}
	if ev.Boot != "" {
		c.boot = ev.Boot
	}
}

// apply shows one event of the session.
func (c *roomPage) apply(ctx app.Context, ev protocol.Event) {
	if ev.Room != "" && ev.Room != c.room {
		c.applyOther(ctx, ev)
		return
	}
	switch ev.Type {
	case protocol.EvJoined:
		// Joined again after a reconnect, with the lines on screen kept
		// (recovered): a reader scrolled up stays where they were; the
		// missed lines are added below.
		stay := ev.Recovered && c.model.joined && !nearBottom(idScroll)
		c.model.applyJoined(ev)
		c.recentDirty = true
		c.markRead(ctx)
		// Pointers seen before are stale now; the server sends everyone's
		// position to a new arrival.
		ctx.NewActionWithValue(actionCursors, protocol.Event{Type: protocol.EvCursors})
		// An embed page takes the focus only in an open panel: never
		// from the embedding page behind a closed one.
		focus := c.focusOnJoin && (c.embed == nil || c.embed.open)
		c.focusOnJoin = false
		ctx.Defer(func(app.Context) {
			if !stay {
				c.scrollAfterJoin()
			}
			if focus {
				focusElement(idComposer)
			}
		})
	case protocol.EvMessage, protocol.EvEdit, protocol.EvDelete:
		own := ev.User != nil && ev.User.ID == c.model.me.ID
		stick := nearBottom(idScroll) || (own && ev.Type == protocol.EvMessage)
		c.model.applyLive(ev)
		c.recentDirty = true
		c.markRead(ctx)
		if stick {
			ctx.Defer(func(app.Context) { scrollToBottom(idScroll) })
		}
		c.updateTitle(ctx)
		c.postLive(ev)
	case protocol.EvReact, protocol.EvUnreact:
		stick := nearBottom(idScroll)
		c.model.applyLive(ev)
		c.recentDirty = true
		if stick {
			ctx.Defer(func(app.Context) { scrollToBottom(idScroll) })
		}
	case protocol.EvPresence:
		if len(ev.Left) > 0 {
			gone := make([]protocol.Cursor, len(ev.Left))
			for i, u := range ev.Left {
				gone[i] = protocol.Cursor{User: u.ID, Gone: true}
			}
			ctx.NewActionWithValue(actionCursors, protocol.Event{Type: protocol.EvCursors, Cursors: gone})
		}
		stick := nearBottom(idScroll)
		c.model.applyPresence(ev)
		if stick {
			ctx.Defer(func(app.Context) { scrollToBottom(idScroll) })
		}
	case protocol.EvTyping:
		c.model.applyTyping(ev, time.Now())
	case protocol.EvCursors:
		// The board draws them; the page does not change.
		ctx.PreventUpdate()
		ctx.NewActionWithValue(actionCursors, ev)
	case protocol.EvFeed:
		c.feed.applyFeed(ev)
	case protocol.EvPoints:
		c.feed.applyPoints(ev)
	case protocol.EvAck:
		c.model.acked(ev.Ref, ev.Offset)
		delete(c.changeIDs, ev.Ref)
	case protocol.EvKicked:
		c.removed = removedText(c.room, ev.Text, ev.Time, time.Now())
		c.leaveRoomUI()
	case protocol.EvError:
		c.applyError(ev)
	}
}

// leaveRoomUI ends what the person was doing in the room once they are
// out of it: an edit, a delete awaiting a yes, a kick awaiting a reason.
func (c *roomPage) leaveRoomUI() {
	if c.editing != 0 {
		c.editing = 0
		clearInput(idComposer)
		c.draftLen = 0
	}
	c.confirmDelete, c.modTarget, c.sendErr = 0, nil, ""
	c.picking, c.replying = 0, 0
	c.model.typing = nil
}

// applyError shows a refusal next to what caused it: a message that could
// not be sent goes back to the composer with the reason under it, an edit
// or delete that failed shows the reason on its message, and a refused
// nickname brings back the nickname form.
func (c *roomPage) applyError(ev protocol.Event) {
	err := ev.Error
	if err == nil {
		err = &protocol.Error{Code: protocol.CodeInternal}
	}
	why := plainError(err)
	if text, ok := c.model.refused(ev.Ref); ok {
		c.sendErr = why
		if strings.TrimSpace(inputValue(idComposer)) == "" {
			setInput(idComposer, text)
			c.draftLen = utf8.RuneCountInString(text)
		}
		return
	}
	if target, ok := c.changeIDs[ev.Ref]; ok {
		delete(c.changeIDs, ev.Ref)
		if c.model.setLineError(target, why) {
			return
		}
	}
	switch err.Code {
	case protocol.CodeNameTaken, protocol.CodeInvalidName:
		if c.token == "" {
			c.refuseName(err)
			return
		}
	case protocol.CodeBanned, protocol.CodeRefused, protocol.CodeForbidden:
		// The join was refused (a ban, the site's hook, a private room; a
		// refused message, edit, delete or reaction was handled above):
		// the session has dropped the room.
		c.removed = why
		c.leaveRoomUI()
		return
	}
	c.model.notice = why
}

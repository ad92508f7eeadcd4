package ui

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// onComposerKey: Enter sends, Shift+Enter (and Enter while an input method
// is composing) inserts a new line, Up in an empty composer edits the
// person's last message, Escape cancels an edit or a reply. Other keys change nothing
// on the page, so they cause no render.
func (c *roomPage) onComposerKey(ctx app.Context, e app.Event) {
	key := e.Get("key").String()
	plain := !e.Get("shiftKey").Bool() && !e.Get("altKey").Bool() && !e.Get("ctrlKey").Bool() && !e.Get("metaKey").Bool()
	switch {
	case key == "Enter" && !e.Get("shiftKey").Bool() && !e.Get("isComposing").Bool():
		e.PreventDefault()
		c.swallowBreak = true
		c.send(ctx)
	case key == "ArrowUp" && plain && c.editing == 0 && inputValue(idComposer) == "":
		l, ok := c.model.lastOwn()
		if !ok {
			ctx.PreventUpdate()
			return
		}
		e.PreventDefault()
		c.startEdit(l)
	case key == "Escape" && c.editing != 0:
		e.PreventDefault()
		c.cancelEdit()
	case key == "Escape" && c.replying != 0:
		e.PreventDefault()
		c.replying = 0
	default:
		ctx.PreventUpdate()
	}
}

func (c *roomPage) onComposerKeyUp(ctx app.Context, e app.Event) {
	c.swallowBreak = false
	ctx.PreventUpdate()
}

func (c *roomPage) onComposerBeforeInput(ctx app.Context, e app.Event) {
	ctx.PreventUpdate()
	if !c.swallowBreak {
		return
	}
	switch e.Get("inputType").String() {
	case "insertLineBreak", "insertParagraph":
		e.PreventDefault()
	}
}

// onComposerInput keeps the character count and tells the room the person
// is typing (at most once per protocol.TypingInterval). The page renders
// only when the counter or the error it shows changes.
func (c *roomPage) onComposerInput(ctx app.Context, e app.Event) {
	value := ctx.JSSrc().Get("value").String()
	before, hadErr := c.draftLen, c.sendErr != ""
	c.draftLen = utf8.RuneCountInString(value)
	if c.sendErr != "" && c.draftLen <= protocol.MaxTextRunes {
		c.sendErr = ""
	}
	if strings.TrimSpace(value) != "" && c.editing == 0 {
		c.signalTyping(ctx)
	}
	if before < counterFrom && c.draftLen < counterFrom && hadErr == (c.sendErr != "") {
		ctx.PreventUpdate()
	}
}

// sendCursor sends the person's pointer position on the board (the board
// already keeps to protocol.CursorsPerSecond). Not connected: dropped.
func (c *roomPage) sendCursor(ctx app.Context, m cursorMove) {
	if c.sess == nil || c.phase != client.Connected || c.removed != "" {
		return
	}
	s, sctx, room := c.sess, c.sctx, c.room
	ctx.Async(func() {
		pctx, cancel := context.WithTimeout(sctx, 5*time.Second)
		defer cancel()
		s.Cursor(pctx, room, m.X, m.Y)
	})
}

// signalTyping sends a typing signal unless one went out less than
// protocol.TypingInterval ago or the session is not connected.
func (c *roomPage) signalTyping(ctx app.Context) {
	now := time.Now()
	if c.sess == nil || c.phase != client.Connected || now.Sub(c.lastTyping) < protocol.TypingInterval {
		return
	}
	c.lastTyping = now
	s, sctx, room := c.sess, c.sctx, c.room
	ctx.Async(func() {
		pctx, cancel := context.WithTimeout(sctx, 5*time.Second)
		defer cancel()
		s.Post(pctx, protocol.Command{Type: protocol.CmdTyping, Room: room})
	})
}

func (c *roomPage) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.send(ctx)
}

// send validates the composer's text and queues it in the outbox (a new
// message, or the edit of the message being edited), then empties the
// composer with the focus kept in it.
func (c *roomPage) send(ctx app.Context) {
	text := strings.TrimSpace(inputValue(idComposer))
	if c.removed != "" {
		return
	}
	focusElement(idComposer)
	if text == "" {
		return
	}
	if err := protocol.ValidateText(text); err != nil {
		c.sendErr = sentence(err.Message)
		return
	}
	if c.sess == nil {
		c.sendErr = "Not connected. Press “Retry now” and send again."
		return
	}
	cmd := protocol.Command{Type: protocol.CmdSend, Room: c.room, Text: text, Target: c.replying, Page: c.visitorPage()}
	if c.editing != 0 {
		cmd.Type, cmd.Target = protocol.CmdEdit, c.editing
	}
	id, err := c.sess.Send(cmd)
	if err != nil {
		var perr *protocol.Error
		if errors.As(err, &perr) {
			c.sendErr = plainError(perr)
		}
		return
	}
	if cmd.Type == protocol.CmdEdit {
		c.trackChange(id, cmd.Target)
		c.editing = 0
	} else {
		c.model.addPending(id, text, cmd.Target)
		c.replying = 0
		ctx.Defer(func(app.Context) { scrollToBottom(idScroll) })
	}
	c.sendErr, c.model.notice = "", ""
	clearInput(idComposer)
	c.draftLen = 0
}

// trackChange remembers the target of an edit or delete until its answer.
func (c *roomPage) trackChange(id string, target uint64) {
	if c.changeIDs == nil {
		c.changeIDs = make(map[string]uint64)
	}
	c.changeIDs[id] = target
}

// startEdit puts the message's text in the composer to be edited.
func (c *roomPage) startEdit(l line) {
	c.editing, c.confirmDelete, c.replying = l.ev.Offset, 0, 0
	if i := c.model.lineOf(l.ev.Offset); i >= 0 {
		c.model.lines[i].err = ""
	}
	setInput(idComposer, l.text)
	c.draftLen = utf8.RuneCountInString(l.text)
	c.sendErr = ""
	focusElement(idComposer)
}

// cancelEdit leaves the edit and empties the composer.
func (c *roomPage) cancelEdit() {
	c.editing = 0
	clearInput(idComposer)
	c.draftLen = 0
	c.sendErr = ""
	focusElement(idComposer)
}

func (c *roomPage) onCancelEdit(ctx app.Context, e app.Event) { c.cancelEdit() }

// onEdit and onDelete are the actions of one of the person's messages.
func (c *roomPage) onEdit(offset uint64) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if i := c.model.lineOf(offset); i >= 0 {
			c.startEdit(c.model.lines[i])
		}
	}
}

func (c *roomPage) onDelete(offset uint64) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		c.confirmDelete = offset
		ctx.Defer(func(app.Context) { focusElement(idConfirmDelete) })
	}
}

func (c *roomPage) onConfirmDelete(ctx app.Context, e app.Event) {
	target := c.confirmDelete
	c.confirmDelete = 0
	if target == 0 || c.sess == nil {
		return
	}
	id, err := c.sess.Send(protocol.Command{Type: protocol.CmdDelete, Room: c.room, Target: target})
	if err == nil {
		c.trackChange(id, target)
	}
	if c.editing == target {
		c.cancelEdit()
	}
	focusElement(idComposer)
}

func (c *roomPage) onCancelDelete(ctx app.Context, e app.Event) {
	c.confirmDelete = 0
	focusElement(idComposer)
}

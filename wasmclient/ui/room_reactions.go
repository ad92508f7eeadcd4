package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// maxJumpPages bounds the older history pages a reply's quote loads to
// find the message it answers.
const maxJumpPages = 10

// onPick opens the reaction picker of the message at offset.
func (c *roomPage) onPick(offset uint64) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		c.picking, c.confirmDelete = offset, 0
		ctx.Defer(func(app.Context) { focusElement(idPicker) })
	}
}

func (c *roomPage) onClosePicker(ctx app.Context, e app.Event) { c.closePicker() }

// closePicker closes the reaction picker, the focus back to its message.
func (c *roomPage) closePicker() {
	if c.picking == 0 {
		return
	}
	id := messageID(c.picking)
	c.picking = 0
	focusElement(id)
}

// onPickerKey closes the picker on Escape.
func (c *roomPage) onPickerKey(ctx app.Context, e app.Event) {
	if e.Get("key").String() != "Escape" {
		ctx.PreventUpdate()
		return
	}
	e.PreventDefault()
	c.closePicker()
}

// onToggleReaction adds the reader's emoji reaction to the message at
// offset, or takes it back if it is there. It goes through the outbox, so
// it is sent again after a reconnect until the server has it.
func (c *roomPage) onToggleReaction(offset uint64, emoji string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		picked := c.picking == offset
		c.picking = 0
		if c.sess == nil || c.removed != "" {
			return
		}
		typ := protocol.CmdReact
		if c.model.reacted(offset, emoji) {
			typ = protocol.CmdUnreact
		}
		id, err := c.sess.Send(protocol.Command{Type: typ, Room: c.room, Target: offset, Text: emoji})
		if err == nil {
			c.trackChange(id, offset)
		}
		if picked {
			focusElement(messageID(offset))
		}
	}
}

// onReply makes the composer's next message a reply to the message at
// offset.
func (c *roomPage) onReply(offset uint64) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if c.editing != 0 {
			c.cancelEdit()
		}
		c.replying, c.confirmDelete, c.picking = offset, 0, 0
		focusElement(idComposer)
	}
}

func (c *roomPage) onCancelReply(ctx app.Context, e app.Event) {
	c.replying = 0
	focusElement(idComposer)
}

// onJump shows the message a reply answers: scrolled to, highlighted and
// focused; if it is older than what is shown, older history is loaded
// until it is found (at most maxJumpPages pages).
func (c *roomPage) onJump(target uint64) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if c.model.lineOf(target) >= 0 {
			c.showMessage(ctx, target)
			return
		}
		c.jumping, c.jumpPages = target, 0
		c.continueJump(ctx)
	}
}

// continueJump looks for the message being jumped to after a history
// page: shows it, loads the next page, or says it is gone.
func (c *roomPage) continueJump(ctx app.Context) {
	target := c.jumping
	switch {
	case target == 0:
	case c.model.lineOf(target) >= 0:
		c.jumping = 0
		c.showMessage(ctx, target)
	case !c.model.more || c.model.oldestOffset() < target || c.jumpPages >= maxJumpPages:
		c.jumping = 0
		c.model.notice = "The message this replies to is no longer in the room's history."
	case !c.model.older:
		c.jumpPages++
		c.loadOlder(ctx)
	}
}

// showMessage highlights the message at offset and scrolls to it.
func (c *roomPage) showMessage(ctx app.Context, offset uint64) {
	c.flash = offset
	ctx.Defer(func(app.Context) { scrollIntoView(messageID(offset)) })
}

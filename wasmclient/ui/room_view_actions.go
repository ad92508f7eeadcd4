package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// messageID is the element id of the message at offset (a reply's quote
// jumps to it).
func messageID(offset uint64) string { return "sb-msg-" + strconv.FormatUint(offset, 10) }

// renderActions are a message's buttons (shown on hover and focus; always
// in the tab order): react and reply for everyone, edit for its author,
// delete for its author and the room's moderators; or the inline
// confirmation of a delete, or the reaction picker.
func (c *roomPage) renderActions(offset uint64, mine, deletable bool) app.UI {
	if c.confirmDelete == offset {
		return app.Div().
			Class("sb-msg-actions sb-msg-confirm").
			Body(
				app.Span().Class("sb-confirm-text").Text("Delete this message?"),
				app.Button().
					ID(idConfirmDelete).
					Type("button").
					Class("sb-button sb-button-small sb-button-danger").
					OnClick(c.onConfirmDelete).
					Text("Yes, delete"),
				app.Button().
					Type("button").
					Class("sb-button sb-button-small").
					OnClick(c.onCancelDelete).
					Text("Cancel"),
			)
	}
	if c.picking == offset {
		return c.renderPicker(offset)
	}
	return app.Div().
		Class("sb-msg-actions").
		Body(
			iconButton("react", "Add reaction", "React", c.onPick(offset)),
			iconButton("reply", "Reply", "Reply", c.onReply(offset)),
			app.If(mine, func() app.UI {
				return iconButton("edit", "Edit message", "Edit", c.onEdit(offset))
			}),
			app.If(deletable, func() app.UI {
				return iconButton("delete", "Delete message", "Delete", c.onDelete(offset))
			}),
		)
}

// iconButton is a small button showing icon sb-icon-<icon>, named label.
func iconButton(icon, label, title string, h app.EventHandler) app.UI {
	return app.Button().
		Type("button").
		Class("sb-icon-button").
		Title(title).
		Aria("label", label).
		OnClick(h).
		Body(app.Span().Class("sb-icon sb-icon-"+icon).Aria("hidden", true))
}

// renderPicker offers the quick reactions for the message at offset;
// Escape closes it.
func (c *roomPage) renderPicker(offset uint64) app.UI {
	buttons := make([]app.UI, 0, len(quickReactions)+1)
	for i, emoji := range quickReactions {
		b := app.Button().
			Type("button").
			Class("sb-picker-emoji").
			Aria("label", "React with "+emoji).
			Aria("pressed", c.model.reacted(offset, emoji)).
			OnClick(c.onToggleReaction(offset, emoji)).
			Text(emoji)
		if i == 0 {
			b = b.ID(idPicker)
		}
		buttons = append(buttons, b)
	}
	buttons = append(buttons, app.Button().
		Type("button").
		Class("sb-icon-button").
		Aria("label", "Close reactions").
		Title("Close").
		OnClick(c.onClosePicker).
		Body(app.Span().Class("sb-icon sb-icon-close").Aria("hidden", true)))
	return app.Div().
		Class("sb-msg-actions sb-picker").
		Role("group").
		Aria("label", "Add a reaction").
		OnKeyDown(c.onPickerKey).
		Body(buttons...)
}

// renderReactions are the message's reactions: one toggle per emoji with
// its count (pressed when the reader's is among them), naming who reacted.
func (c *roomPage) renderReactions(offset uint64) app.UI {
	chips := c.model.reactionChips(offset)
	if len(chips) == 0 {
		return nil
	}
	items := make([]app.UI, 0, min(len(chips), maxReactionsShown)+1)
	for i, ch := range chips {
		if i == maxReactionsShown {
			items = append(items, app.Span().Class("sb-reaction sb-reaction-more").Text("+"+strconv.Itoa(len(chips)-i)))
			break
		}
		class := "sb-reaction"
		if ch.mine {
			class += " sb-reaction-mine"
		}
		who := strings.Join(ch.names, ", ")
		label := ch.emoji + " " + strconv.Itoa(ch.count) + ": " + who
		b := app.Button().
			Type("button").
			Class(class).
			Title(who).
			Aria("label", label).
			Aria("pressed", ch.mine).
			Body(
				app.Span().Class("sb-reaction-emoji").Aria("hidden", true).Text(ch.emoji),
				app.Span().Class("sb-reaction-count").Aria("hidden", true).Text(strconv.Itoa(ch.count)),
			)
		if c.mounted && c.removed == "" {
			b = b.OnClick(c.onToggleReaction(offset, ch.emoji))
		} else {
			b = b.Disabled(true)
		}
		items = append(items, b)
	}
	return app.Div().Class("sb-reactions").Body(items...)
}

// renderQuote is what a reply shows of the message it answers: its author
// and first words, a button that shows that message.
func (c *roomPage) renderQuote(target uint64) app.UI {
	author, text, deleted, loaded := c.model.quoteOf(target)
	switch {
	case !loaded:
		author, text = "", "an earlier message"
	case deleted:
		text = "a deleted message"
	}
	return app.Button().
		Type("button").
		Class("sb-quote").
		Aria("label", "Reply to "+quoteLabel(author, text)+": show it").
		OnClick(c.onJump(target)).
		Body(
			app.Span().Class("sb-icon sb-icon-reply").Aria("hidden", true),
			app.If(author != "", func() app.UI { return app.Span().Class("sb-quote-author").Text(author) }),
			app.Span().Class("sb-quote-text").Text(snippet(text, 120)),
		)
}

func quoteLabel(author, text string) string {
	if author == "" {
		return snippet(text, 60)
	}
	return author + ": " + snippet(text, 60)
}

// snippet is s on one line, cut to n characters.
func snippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

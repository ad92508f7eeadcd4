package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// counterFrom is the length from which the composer shows its character
// counter.
const counterFrom = protocol.MaxTextRunes - 500

// renderPending shows a message in the outbox.
func (c *roomPage) renderPending(p pendingSend) app.UI {
	name := c.model.me.Name
	if name == "" {
		name = c.id.Name
	}
	return app.Li().
		Class("sb-msg sb-msg-mine sb-msg-pending").
		Body(
			avatar(name, c.model.me.ID),
			app.Div().
				Class("sb-msg-body").
				Body(
					app.Div().
						Class("sb-msg-meta").
						Body(
							app.Span().Class("sb-msg-author").Text(name),
							app.Span().Class("sb-msg-state").Text("Sending…"),
						),
					app.If(p.target != 0, func() app.UI { return c.renderQuote(p.target) }),
					app.P().Class("sb-msg-text").Text(p.text),
				),
		)
}

// renderReplying says which message the composer replies to. Always
// rendered (hidden when unused), like the editing bar.
func (c *roomPage) renderReplying() app.UI {
	var who string
	if c.replying != 0 {
		author, text, deleted, loaded := c.model.quoteOf(c.replying)
		switch {
		case !loaded:
			who = "an earlier message"
		case deleted:
			who = "a deleted message"
		default:
			who = quoteLabel(author, text)
		}
	}
	return app.Div().
		ID(idReplying).
		Class("sb-editing-bar sb-replying-bar").
		Hidden(c.replying == 0).
		Body(
			app.Span().Class("sb-editing-label").Text("Replying to"),
			app.Span().Class("sb-replying-to").Text(who),
			app.Span().Class("sb-keys").Aria("hidden", true).Body(app.Kbd().Text("Esc"), app.Text(" to cancel")),
			app.If(c.replying != 0, func() app.UI {
				return app.Button().
					Type("button").
					Class("sb-link-button").
					OnClick(c.onCancelReply).
					Text("Cancel reply")
			}),
		)
}

// renderTyping says who is typing, under the list.
func (c *roomPage) renderTyping() app.UI {
	return app.Div().
		ID(idTyping).
		Class("sb-typing").
		Role("status").
		Aria("label", "Typing").
		Aria("live", "polite").
		Text(c.model.typingText())
}

func (c *roomPage) renderComposer() app.UI {
	if !c.mounted {
		// Prerendered page: no field to type into before the app runs.
		return app.Div().Class("sb-composer sb-composer-loading")
	}
	errText := c.sendErr
	if errText == "" {
		errText = c.model.notice
	}
	if errText == "" && c.uploading > 0 {
		errText = "Uploading…"
	}
	sendLabel := "Send"
	if c.editing != 0 {
		sendLabel = "Save"
	}
	over := c.draftLen > protocol.MaxTextRunes
	counterClass, counter := "sb-counter", ""
	if c.draftLen >= counterFrom {
		counter = formatCount(c.draftLen) + " / " + formatCount(protocol.MaxTextRunes)
	}
	if over {
		counterClass += " sb-counter-over"
	}
	return app.Form().
		Class("sb-composer").
		Attr("novalidate", true).
		OnSubmit(c.onSubmit).
		Body(
			app.Label().For(idComposer).Class("sr-only").Text("Message"),
			// Always rendered (hidden when unused): inserting it would make
			// go-app rebuild the textarea after it, losing its value.
			app.Div().
				ID(idEditing).
				Class("sb-editing-bar").
				Hidden(c.editing == 0).
				Body(
					app.Span().Class("sb-editing-label").Text("Editing message"),
					app.Span().Class("sb-keys").Aria("hidden", true).Body(app.Kbd().Text("Esc"), app.Text(" to cancel")),
					app.If(c.editing != 0, func() app.UI {
						return app.Button().
							Type("button").
							Class("sb-link-button").
							OnClick(c.onCancelEdit).
							Text("Cancel edit")
					}),
				),
			c.renderReplying(),
			app.Div().
				Class("sb-composer-box").
				Body(
					app.Textarea().
						ID(idComposer).
						Name("message").
						Class("sb-textarea").
						Rows(1).
						Placeholder("Message "+c.roomTitle()).
						Disabled(c.removed != "").
						Aria("describedby", idComposerError+" "+idCounter).
						Aria("invalid", over).
						OnKeyDown(c.onComposerKey).
						OnKeyUp(c.onComposerKeyUp).
						On("beforeinput", c.onComposerBeforeInput).
						OnInput(c.onComposerInput),
					app.Button().
						Type("button").
						Class("sb-attach-button").
						Title("Attach a file (or drop it on the room)").
						Aria("label", "Attach a file").
						Disabled(c.removed != "").
						OnClick(c.onAttachClick).
						Body(app.Span().Class("sb-attach-icon").Aria("hidden", true)),
					app.Button().
						Type("submit").
						Class("sb-send").
						Disabled(c.removed != "").
						Body(
							app.Span().Class("sb-send-icon").Aria("hidden", true),
							app.Span().Class("sb-send-label").Text(sendLabel),
						),
					app.Input().
						ID(idFileInput).
						Type("file").
						Class("sr-only").
						TabIndex(-1).
						Aria("hidden", true).
						Multiple(true).
						OnChange(c.onFilesPicked),
				),
			app.Div().
				Class("sb-composer-foot").
				Body(
					app.P().
						ID(idComposerError).
						Class("sb-composer-error").
						Aria("live", "polite").
						Text(errText),
					app.Span().
						ID(idCounter).
						Class(counterClass).
						Text(counter),
					app.Span().
						Class("sb-keys").
						Aria("hidden", true).
						Body(
							app.Kbd().Text("Enter"), app.Text(" to send · "),
							app.Kbd().Text("Shift"), app.Text("+"), app.Kbd().Text("Enter"), app.Text(" new line"),
						),
				),
		)
}

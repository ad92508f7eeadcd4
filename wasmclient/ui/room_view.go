package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func (c *roomPage) Render() app.UI {
	if c.needName {
		return c.renderNameForm()
	}
	class := "sb-app sb-room"
	if c.embedded {
		class += " sb-embed"
	}
	mainClass := "sb-main"
	if c.dropping {
		mainClass += " sb-dropping"
	}
	return app.Div().
		Class(class).
		Body(
			c.renderTopbar(),
			c.renderBanner(),
			app.Div().
				Class("sb-layout").
				Body(
					app.Main().
						Class(mainClass).
						On("dragover", c.onDragOver).
						On("dragleave", c.onDragLeave).
						On("drop", c.onDrop).
						Body(
							c.renderFeed(),
							c.renderBoard(),
							c.renderMessages(),
							c.renderTyping(),
							c.renderComposer(),
							// Last, so that it never moves the composer's
							// textarea in the DOM (the stylesheet shows it
							// above the composer).
							app.If(c.removed != "", c.renderRemoved),
						),
					c.renderOnline(),
				),
		)
}

// renderNameForm asks for a nickname before entering the room.
func (c *roomPage) renderNameForm() app.UI {
	form := &joinForm{Name: c.nameHint, Room: c.room, Error: c.nameErr, Suggestion: c.suggestion}
	if c.embedded {
		// Framed on another site: no way out to Switchboard's pages.
		return app.Div().Class("sb-embed-landing").Body(
			landing("Join #"+c.room, "Choose a nickname to chat.", form))
	}
	return landing("Join #"+c.room, "Choose a nickname to enter the room.", form,
		app.P().Class("sb-footnote").Body(app.A().Href(pagePath(pathHome)).Text("Back to Switchboard")),
	)
}

func (c *roomPage) renderTopbar() app.UI {
	state, text := c.statusText()
	short := text
	if state == "waiting" {
		short = strconv.Itoa(max(1, ceilSeconds(time.Until(c.retryAt)))) + " s"
	}
	return app.Header().
		Class("sb-topbar").
		Body(
			app.If(!c.embedded, c.renderBrand),
			app.If(protocol.PrivateByName(c.room), func() app.UI {
				name, isName := strings.CutPrefix(c.roomTitle(), "@")
				return app.H1().
					Class("sb-room-name").
					Body(
						app.If(isName, func() app.UI { return app.Span().Class("sb-hash").Aria("hidden", true).Text("@") }),
						app.Text(name),
						app.If(protocol.IsDirectRoom(c.room), func() app.UI { return app.Span().Class("sr-only").Text(" (direct messages)") }),
					)
			}).Else(func() app.UI {
				return app.H1().
					Class("sb-room-name").
					Body(
						app.Span().Class("sb-hash").Aria("hidden", true).Text("#"),
						app.Text(c.room),
					)
			}),
			app.Div().
				Class("sb-conn").
				Body(
					app.Div().
						ID(idStatus).
						Class("sb-status sb-status-"+state).
						Role("status").
						Aria("label", "Connection").
						Aria("live", "polite").
						Body(
							app.Span().Class("sb-dot").Aria("hidden", true),
							// On a phone the short words show (the top
							// bar never wraps); readers get the whole.
							app.Span().Class("sb-status-text").Text(text),
							app.If(short != text, func() app.UI {
								return app.Span().Class("sb-status-short").Aria("hidden", true).Text(short)
							}),
						),
					app.If(state != "connected" && state != "connecting", func() app.UI {
						return app.Button().
							Type("button").
							Class("sb-button sb-button-small").
							Aria("label", "Retry now").
							OnClick(c.onRetry).
							Body(app.Text("Retry"), app.Span().Class("sb-wide-only").Text(" now"))
					}),
				),
		)
}

// renderBrand is the logo and name, a link to the home page.
func (c *roomPage) renderBrand() app.UI {
	return app.A().
		Class("sb-brand").
		Href(pagePath(pathHome)).
		Title("All rooms").
		Body(
			brandMark("sb-brand-logo"),
			app.Span().Class("sb-brand-name").Text("Switchboard"),
		)
}

// statusText returns the state class and the words of the status indicator.
func (c *roomPage) statusText() (state, text string) {
	switch {
	case c.phase == client.Connected:
		return "connected", "Connected"
	case c.browserOffline || c.phase == client.Offline:
		return "offline", "Offline"
	case c.phase == client.Reconnecting:
		return "waiting", "Reconnecting in " + strconv.Itoa(max(1, ceilSeconds(time.Until(c.retryAt)))) + " s"
	case c.connected:
		return "connecting", "Reconnecting…"
	}
	return "connecting", "Connecting…"
}

// renderBanner explains a lost connection or offers a new build.
func (c *roomPage) renderBanner() app.UI {
	var msg string
	switch {
	case c.phase == client.Connected || (c.phase == client.Connecting && !c.connected && !c.browserOffline):
	case c.browserOffline:
		msg = "This device is offline."
	default:
		msg = endReason(c.stateErr)
	}
	if msg != "" && len(c.model.pending) > 0 {
		msg += " Your messages will be sent when the connection is back."
	}
	return app.Div().
		Class("sb-banners").
		Body(
			app.If(msg != "", func() app.UI {
				return app.P().Class("sb-banner sb-banner-warn").Text(msg)
			}),
			app.If(c.updateReady, func() app.UI {
				return app.P().
					Class("sb-banner").
					Body(
						app.Text("A new version of Switchboard is ready. "),
						app.Button().
							Type("button").
							Class("sb-link-button").
							OnClick(c.onReload).
							Text("Reload"),
					)
			}),
		)
}

func (c *roomPage) renderMessages() app.UI {
	lines, pending := c.model.lines, c.model.pending
	names := c.model.names()
	items := make([]app.UI, 0, len(lines)+len(pending)+1)
	for i, l := range lines {
		if l.kind == lineNotice {
			items = append(items, app.Li().Class("sb-notice").Text(l.text))
			continue
		}
		divider := c.model.divider != 0 && l.ev.Offset == c.model.divider
		if divider {
			items = append(items, app.Li().
				Class("sb-divider").
				Body(app.Span().Class("sb-divider-label").Text("New messages")))
		}
		cont := i > 0 && !divider && grouped(lines[i-1], l)
		items = append(items, c.renderLine(l, cont, names))
	}
	for _, p := range pending {
		items = append(items, c.renderPending(p))
	}
	scrollClass := "sb-scroll"
	if c.model.seeded && len(lines) > 0 {
		// Prerendered: the list starts scrolled to its end (see app.css).
		scrollClass += " sb-scroll-seed"
	}
	list := app.Ol().
		ID(idMessages).
		Class("sb-messages").
		Role("list").
		Aria("label", "Messages").
		Body(items...)
	if c.seedJSON != "" && c.model.seeded {
		list = list.Attr(attrSeed, c.seedJSON)
	}
	return app.Div().
		ID(idScroll).
		Class(scrollClass).
		On("scroll", c.onScroll).
		Body(
			c.renderHistoryEdge(),
			app.If(!c.model.joined && !c.model.seeded && c.removed == "", func() app.UI {
				return app.P().Class("sb-placeholder").Text("Loading messages…")
			}).ElseIf(len(lines) == 0 && len(pending) == 0 && c.removed == "", func() app.UI {
				return app.Div().
					Class("sb-empty").
					Body(
						app.P().Class("sb-empty-title").Text("No messages in "+c.roomTitle()+" yet"),
						app.P().Class("sb-empty-text").Text("Say hello. Everyone in the room sees it instantly."),
					)
			}),
			list,
		)
}

// renderHistoryEdge is the top of the list: a button that loads older
// messages (scrolling to the top does too), or the room's beginning.
func (c *roomPage) renderHistoryEdge() app.UI {
	m := c.model
	switch {
	case !m.joined || (len(m.lines) == 0 && !m.more):
		return nil
	case m.more:
		label := "Load older messages"
		if m.older {
			label = "Loading older messages…"
		}
		return app.Div().
			Class("sb-history-edge").
			Body(
				app.Button().
					Type("button").
					Class("sb-button sb-button-small").
					Disabled(m.older).
					OnClick(c.onLoadOlder).
					Text(label),
				app.If(c.historyErr != "", func() app.UI {
					return app.P().Class("sb-hint sb-hint-error").Text(c.historyErr)
				}),
			)
	}
	return app.P().Class("sb-history-edge sb-beginning").Text("Beginning of " + c.roomTitle())
}

// renderLine shows one message. Every piece of its text is a text node
// (go-app escapes it; white-space: pre-wrap keeps its line breaks): links
// and mentions are elements around text, never markup from the sender.
// cont continues the previous message's group: no avatar, no name.
func (c *roomPage) renderLine(l line, cont bool, names []string) app.UI {
	ev := l.ev
	name, uid := "Someone", ""
	if ev.User != nil {
		name, uid = ev.User.Name, ev.User.ID
	}
	mine := uid != "" && uid == c.model.me.ID
	// An operator's notice: only the server gives a message this author
	// (people cannot take the name, nor its id), and only it gets the
	// badge, which no text can draw.
	notice := uid == protocol.OperatorID
	class := "sb-msg"
	if cont {
		class += " sb-msg-cont"
	}
	if notice {
		class += " sb-msg-notice"
	}
	if mine {
		class += " sb-msg-mine"
	}
	if !mine && !l.deleted && mentions(l.text, c.model.me.Name) {
		class += " sb-msg-mentioned"
	}
	if c.editing != 0 && c.editing == ev.Offset {
		class += " sb-msg-editing"
	}
	var when app.UI
	if ev.Time > 0 {
		t := time.UnixMilli(ev.Time)
		when = app.Time().
			Class("sb-msg-time").
			DateTime(t.Format(time.RFC3339)).
			Title(t.Format("Monday 2 January 2006, 15:04:05")).
			Text(t.Format("15:04"))
	}
	var body app.UI
	if l.deleted {
		body = app.P().Class("sb-msg-text sb-msg-deleted").Text("This message was deleted")
	} else {
		body = renderText(l.text, names, c.model.me.Name, l.edited)
		if l.text == "" && ev.Attachment != nil {
			body = renderAttachment(ev.Attachment)
		} else if ev.Attachment != nil {
			body = app.Div().Body(body, renderAttachment(ev.Attachment))
		}
	}
	if c.flash != 0 && c.flash == ev.Offset {
		class += " sb-msg-flash"
	}
	return app.Li().
		ID(messageID(ev.Offset)).
		Class(class).
		TabIndex(-1). // a tap or a reply's quote focuses it (its actions show)
		Body(
			app.If(cont, func() app.UI {
				return app.Span().Class("sb-avatar-gap").Aria("hidden", true).Body(when)
			}).Else(func() app.UI {
				return avatar(name, uid)
			}),
			app.Div().
				Class("sb-msg-body").
				Body(
					app.If(!cont, func() app.UI {
						return app.Div().
							Class("sb-msg-meta").
							Body(
								app.Span().Class("sb-msg-author").Text(name),
								app.If(notice, func() app.UI {
									return app.Span().Class("sb-badge-notice").Title("A notice from the server's operators").Text("Notice")
								}),
								when,
							)
					}),
					app.If(ev.Target != 0 && !l.deleted, func() app.UI { return c.renderQuote(ev.Target) }),
					body,
					app.If(!l.deleted, func() app.UI { return c.renderReactions(ev.Offset) }),
					app.If(l.err != "", func() app.UI {
						return app.P().Class("sb-msg-error").Role("alert").Text(l.err)
					}),
				),
			app.If(c.mounted && !l.deleted && c.removed == "", func() app.UI {
				return c.renderActions(ev.Offset, mine, mine || c.moderates())
			}),
		)
}

// renderSegment shows one piece of a message's text.
func renderSegment(s segment) app.UI {
	switch s.kind {
	case segLink:
		return app.A().
			Class("sb-link").
			Href("%s", s.text).
			Rel("noopener noreferrer").
			Target("_blank").
			Text(s.text)
	case segMention:
		return app.Span().Class("sb-mention").Text(s.text)
	case segMentionMe:
		return app.Strong().Class("sb-mention sb-mention-me").Text(s.text)
	}
	return app.Text(s.text)
}

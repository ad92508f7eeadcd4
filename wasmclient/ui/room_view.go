package ui

import (
	"hash/fnv"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// counterFrom is the length from which the composer shows its character
// counter.
const counterFrom = protocol.MaxTextRunes - 500

func (c *roomPage) Render() app.UI {
	if c.needName {
		return c.renderNameForm()
	}
	return app.Div().
		Class("sb-app sb-room").
		Body(
			c.renderTopbar(),
			c.renderBanner(),
			app.Div().
				Class("sb-layout").
				Body(
					app.Main().
						Class("sb-main").
						Body(
							c.renderMessages(),
							c.renderComposer(),
						),
					c.renderOnline(),
				),
		)
}

// renderNameForm asks for a nickname before entering the room.
func (c *roomPage) renderNameForm() app.UI {
	return app.Div().
		Class("sb-app sb-home").
		Body(
			app.Main().
				Class("sb-landing").
				Body(
					app.Div().
						Class("sb-card").
						Body(
							brandMark("sb-card-logo"),
							app.H1().Class("sb-title").Text("Join #"+c.room),
							app.P().Class("sb-lead").Text("Choose a nickname to enter the room."),
							&joinForm{Name: c.nameHint, Room: c.room, Error: c.nameErr},
						),
					app.P().
						Class("sb-footnote").
						Body(app.A().Href(pathHome).Text("Back to Switchboard")),
				),
		)
}

func (c *roomPage) renderTopbar() app.UI {
	state, text := c.statusText()
	return app.Header().
		Class("sb-topbar").
		Body(
			app.A().
				Class("sb-brand").
				Href(pathHome).
				Title("All rooms").
				Body(
					brandMark("sb-brand-logo"),
					app.Span().Class("sb-brand-name").Text("Switchboard"),
				),
			app.H1().
				Class("sb-room-name").
				Body(
					app.Span().Class("sb-hash").Aria("hidden", true).Text("#"),
					app.Text(c.room),
				),
			app.Div().
				Class("sb-conn").
				Body(
					app.Div().
						ID(idStatus).
						Class("sb-status sb-status-"+state).
						Role("status").
						Aria("live", "polite").
						Body(
							app.Span().Class("sb-dot").Aria("hidden", true),
							app.Span().Class("sb-status-text").Text(text),
						),
					app.If(state != "connected" && state != "connecting", func() app.UI {
						return app.Button().
							Type("button").
							Class("sb-button sb-button-small").
							OnClick(c.onRetry).
							Text("Retry now")
					}),
				),
		)
}

// statusText returns the state class and the words of the status indicator.
func (c *roomPage) statusText() (state, text string) {
	st := c.model.status
	switch {
	case st.State == stateConnected:
		return "connected", "Connected"
	case c.browserOffline || st.State == stateStopped:
		return "offline", "Offline"
	case st.State == stateWaiting:
		return "waiting", "Reconnecting in " + strconv.Itoa(st.RetryIn) + " s"
	case st.Resumed:
		return "connecting", "Reconnecting…"
	}
	return "connecting", "Connecting…"
}

// renderBanner explains a lost connection or offers a new build.
func (c *roomPage) renderBanner() app.UI {
	st := c.model.status
	var msg string
	switch {
	case st.State == stateConnected || (st.State == stateConnecting && !st.Resumed && !c.browserOffline):
	case c.browserOffline:
		msg = "This device is offline."
	case st.Reason != "":
		msg = st.Reason
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
	return app.Div().
		ID(idScroll).
		Class("sb-scroll").
		Body(
			app.If(!c.model.joined, func() app.UI {
				return app.P().Class("sb-placeholder").Text("Loading messages…")
			}).ElseIf(len(lines) == 0 && len(pending) == 0, func() app.UI {
				return app.Div().
					Class("sb-empty").
					Body(
						app.P().Class("sb-empty-title").Text("No messages in #"+c.room+" yet"),
						app.P().Class("sb-empty-text").Text("Say hello. Everyone in the room sees it instantly."),
					)
			}),
			app.Ol().
				ID(idMessages).
				Class("sb-messages").
				Role("list").
				Aria("label", "Messages").
				Body(
					app.Range(lines).Slice(func(i int) app.UI {
						return c.renderLine(lines[i])
					}),
					app.Range(pending).Slice(func(i int) app.UI {
						return c.renderPending(pending[i])
					}),
				),
		)
}

// renderLine shows one message. Its text is a text node: go-app escapes it,
// and white-space: pre-wrap keeps its line breaks.
func (c *roomPage) renderLine(ev protocol.Event) app.UI {
	name, uid := "Someone", ""
	if ev.User != nil {
		name, uid = ev.User.Name, ev.User.ID
	}
	mine := uid != "" && uid == c.model.me.ID
	class := "sb-msg"
	if mine {
		class += " sb-msg-mine"
	}
	return app.Li().
		Class(class).
		Body(
			avatar(name, uid),
			app.Div().
				Class("sb-msg-body").
				Body(
					app.Div().
						Class("sb-msg-meta").
						Body(
							app.Span().Class("sb-msg-author").Text(name),
							app.If(ev.Time > 0, func() app.UI {
								t := time.UnixMilli(ev.Time)
								return app.Time().
									Class("sb-msg-time").
									DateTime(t.Format(time.RFC3339)).
									Title(t.Format("Monday 2 January 2006, 15:04:05")).
									Text(t.Format("15:04"))
							}),
						),
					app.P().Class("sb-msg-text").Text(ev.Text),
				),
		)
}

// renderPending shows a message on its way.
func (c *roomPage) renderPending(p pendingSend) app.UI {
	state := "Sending…"
	if p.failed != "" {
		state = "Not sent yet"
	}
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
							app.Span().Class("sb-msg-time").Text(state),
						),
					app.P().Class("sb-msg-text").Text(p.text),
				),
		)
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
			app.Div().
				Class("sb-composer-box").
				Body(
					app.Textarea().
						ID(idComposer).
						Name("message").
						Class("sb-textarea").
						Rows(1).
						Placeholder("Message #"+c.room).
						Aria("describedby", idComposerError+" "+idCounter).
						Aria("invalid", over).
						OnKeyDown(c.onComposerKey).
						OnKeyUp(c.onComposerKeyUp).
						On("beforeinput", c.onComposerBeforeInput).
						OnInput(c.onComposerInput),
					app.Button().
						Type("submit").
						Class("sb-send").
						Body(
							app.Span().Class("sb-send-icon").Aria("hidden", true),
							app.Span().Class("sb-send-label").Text("Send"),
						),
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

func (c *roomPage) renderOnline() app.UI {
	heading := "Online"
	if c.model.joined {
		heading = strconv.Itoa(c.model.onlineCount()) + " online"
	}
	members := c.model.members
	more := c.model.onlineCount() - len(members)
	return app.Aside().
		Class("sb-online").
		Role("region").
		Aria("label", "Online").
		Body(
			app.H2().ID(idOnlineHeading).Class("sb-online-heading").Text(heading),
			app.Ul().
				Class("sb-members").
				Body(
					app.Range(members).Slice(func(i int) app.UI {
						u := members[i]
						return app.Li().
							Class("sb-member").
							Body(
								avatar(u.Name, u.ID),
								app.Span().Class("sb-member-name").Text(u.Name),
								app.If(u.ID == c.model.me.ID, func() app.UI {
									return app.Span().Class("sb-you").Text("you")
								}),
							)
					}),
					app.If(c.model.joined && more > 0, func() app.UI {
						return app.Li().Class("sb-member sb-member-more").Text("and " + strconv.Itoa(more) + " more")
					}),
				),
		)
}

// avatar is a coloured initial; the name next to it says who it is.
func avatar(name, id string) app.UI {
	return app.Span().
		Class("sb-avatar").
		Aria("hidden", true).
		Style("--hue", strconv.Itoa(hue(id+name))).
		Text(initial(name))
}

// initial is the first letter of name, capitalised.
func initial(name string) string {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(name))
	if r == utf8.RuneError {
		return "?"
	}
	return string(unicode.ToUpper(r))
}

// hue is a stable colour for a person, 0 to 359.
func hue(s string) int {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int(h.Sum32() % 360)
}

// formatCount writes n with thousands separators: 4000 → "4,000".
func formatCount(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

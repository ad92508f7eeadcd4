package ui

import (
	"hash/fnv"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func (c *roomPage) renderOnline() app.UI {
	heading := "Online"
	members := c.model.members
	more := c.model.onlineCount() - len(members)
	switch {
	case c.removed != "":
		// Out of the room: who is in it is no longer known.
		members, more = nil, 0
	case c.model.joined:
		heading = strconv.Itoa(c.model.onlineCount()) + " online"
	}
	moderate := c.moderates() && c.removed == ""
	// Offline, the list is the last one known: greyed, and said so.
	stale := c.model.joined && c.phase != client.Connected && len(members) > 0
	class := "sb-online"
	if stale {
		class += " sb-online-stale"
		heading = strconv.Itoa(c.model.onlineCount()) + " online (last known)"
	}
	direct := c.listsRooms() && c.model.me.ID != "" && !protocol.IsDirectRoom(c.room)
	return app.Aside().
		Class(class).
		Body(
			c.renderRoomList(),
			app.Div().
				Class("sb-online-people").
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
										}).Else(func() app.UI {
											return app.Span().Class("sb-member-buttons").Body(
												app.If(direct, func() app.UI {
													return app.Button().
														Type("button").
														Class("sb-icon-button sb-member-dm").
														Title("Message "+u.Name+" privately").
														Aria("label", "Message "+u.Name+" privately").
														OnClick(c.directWith(u)).
														Body(app.Span().Class("sb-icon sb-icon-dm").Aria("hidden", true))
												}),
												app.If(moderate, func() app.UI { return c.renderMemberActions(u) }),
											)
										}),
										app.If(moderate && c.modTarget != nil && c.modTarget.user.ID == u.ID, c.renderModForm),
									)
							}),
							app.If(c.model.joined && more > 0, func() app.UI {
								return app.Li().Class("sb-member sb-member-more").Text("and " + strconv.Itoa(more) + " more")
							}),
						),
					app.If(moderate, func() app.UI {
						return app.P().Class("sb-mod-status").Role("status").Aria("label", "Moderation").Text(c.modDone)
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

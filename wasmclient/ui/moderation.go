package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// banSeconds is how long the Online list's ban keeps a person out.
const banSeconds = 3600

// modAction is a kick or ban of one person, awaiting its reason.
type modAction struct {
	user protocol.User
	ban  bool
}

// verb is the action's button word: "Kick" or "Ban".
func (a modAction) verb() string {
	if a.ban {
		return "Ban"
	}
	return "Kick"
}

// moderates reports whether the server says the reader may moderate:
// moderators and admins delete anyone's message and kick or ban people.
func (c *roomPage) moderates() bool {
	r := c.model.me.Role
	return r == protocol.RoleModerator || r == protocol.RoleAdmin
}

// onModOpen opens the reason form of a kick (or ban) of u.
func (c *roomPage) onModOpen(u protocol.User, ban bool) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		c.modTarget = &modAction{user: u, ban: ban}
		c.modErr, c.modDone = "", ""
		clearInput(idModReason)
		ctx.Defer(func(app.Context) { focusElement(idModReason) })
	}
}

func (c *roomPage) onModCancel(ctx app.Context, e app.Event) {
	c.modTarget, c.modErr = nil, ""
	focusElement(idComposer)
}

// onModSubmit sends the kick or ban with the reason typed, and shows how
// it went.
func (c *roomPage) onModSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.modTarget == nil || c.modBusy {
		return
	}
	a := *c.modTarget
	reason := strings.TrimSpace(inputValue(idModReason))
	cmd := protocol.Command{Type: protocol.CmdKick, Room: c.room, User: a.user.ID, Text: reason}
	if a.ban {
		cmd.Type, cmd.Seconds = protocol.CmdBan, banSeconds
	}
	if reason != "" {
		if err := protocol.ValidateText(reason); err != nil {
			c.modErr = "The reason cannot be used: " + sentence(err.Message)
			return
		}
	}
	if c.sess == nil {
		c.modErr = modError(client.ErrNotConnected)
		return
	}
	c.modBusy, c.modErr = true, ""
	s, sctx := c.sess, c.sctx
	ctx.Async(func() {
		dctx, cancel := context.WithTimeout(sctx, 10*time.Second)
		_, err := s.Do(dctx, cmd)
		cancel()
		ctx.Dispatch(func(ctx app.Context) {
			if c.sess != s {
				return
			}
			c.modBusy = false
			if err != nil {
				c.modErr = modError(err)
				return
			}
			c.modTarget = nil
			if a.ban {
				c.modDone = "You banned " + a.user.Name + " from #" + c.room + " for 1 hour."
			} else {
				c.modDone = "You removed " + a.user.Name + " from #" + c.room + "."
			}
		})
	})
}

// modError says in plain words why a kick or ban failed.
func modError(err error) string {
	var perr *protocol.Error
	switch {
	case errors.As(err, &perr) && perr.Code == protocol.CodeForbidden:
		return "You may not remove people from this room."
	case errors.As(err, &perr):
		return plainError(perr)
	case errors.Is(err, client.ErrNotConnected):
		return "Not connected. Try again when the connection is back."
	case errors.Is(err, context.DeadlineExceeded):
		return "The server did not answer in time. Try again."
	}
	return "It did not work: the connection was lost. Try again."
}

// renderMemberActions are a moderator's Kick and Ban buttons for another
// person in the Online list.
func (c *roomPage) renderMemberActions(u protocol.User) app.UI {
	return app.Span().
		Class("sb-member-actions").
		Body(
			app.Button().
				Type("button").
				Class("sb-button sb-button-small").
				Aria("label", "Kick "+u.Name).
				Title("Remove "+u.Name+" from the room").
				OnClick(c.onModOpen(u, false)).
				Text("Kick"),
			app.Button().
				Type("button").
				Class("sb-button sb-button-small").
				Aria("label", "Ban "+u.Name+" for 1 hour").
				Title("Remove "+u.Name+" and keep them out for 1 hour").
				OnClick(c.onModOpen(u, true)).
				Text("Ban"),
		)
}

// renderModForm asks for the reason of a kick or ban; the person removed
// reads it.
func (c *roomPage) renderModForm() app.UI {
	a := *c.modTarget
	title := "Remove " + a.user.Name + " from #" + c.room
	if a.ban {
		title = "Ban " + a.user.Name + " from #" + c.room + " for 1 hour"
	}
	return app.Form().
		Class("sb-mod-form").
		Aria("label", title).
		Attr("novalidate", true).
		OnSubmit(c.onModSubmit).
		Body(
			app.P().Class("sb-mod-title").Text(title),
			app.Label().For(idModReason).Class("sb-label").Text("Reason"),
			app.Input().
				ID(idModReason).
				Type("text").
				Class("sb-input sb-mod-reason").
				Placeholder("Shown to "+a.user.Name).
				MaxLength(500).
				AutoComplete(false),
			app.If(c.modErr != "", func() app.UI {
				return app.P().Class("sb-hint sb-hint-error").Role("alert").Text(c.modErr)
			}),
			app.Div().
				Class("sb-mod-buttons").
				Body(
					app.Button().
						ID(idModConfirm).
						Type("submit").
						Class("sb-button sb-button-small sb-button-danger").
						Disabled(c.modBusy).
						Text(a.verb()),
					app.Button().
						Type("button").
						Class("sb-button sb-button-small").
						OnClick(c.onModCancel).
						Text("Cancel"),
				),
		)
}

// renderRemoved tells a person a moderator removed them (or that the room
// refused them), with the way back to the rooms.
func (c *roomPage) renderRemoved() app.UI {
	return app.Div().
		ID(idRemoved).
		Class("sb-removed").
		Role("alert").
		Body(
			app.P().Class("sb-removed-text").Text(c.removed),
			app.If(!c.embedded, func() app.UI {
				return app.A().Class("sb-button sb-button-small").Href(pagePath(pathHome)).Text("Back to rooms")
			}),
		)
}

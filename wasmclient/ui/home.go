package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// home is the page at "/": the brand and the form that picks a nickname and
// a room. Joining stores the nickname and opens the room page.
type home struct {
	app.Compo

	name string // the stored nickname, to prefill the form
}

// OnNav sets the title; it runs on the server too.
func (h *home) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Switchboard")
}

// OnMount runs in the browser only: it reads the stored nickname and waits
// for the form to post actionJoin.
func (h *home) OnMount(ctx app.Context) {
	h.name = loadIdentity(ctx.LocalStorage()).Name
	ctx.Handle(actionJoin, func(ctx app.Context, a app.Action) {
		if req, ok := a.Value.(joinRequest); ok {
			ctx.Navigate(roomPrefix + req.Room)
		}
	})
}

func (h *home) Render() app.UI {
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
							app.H1().Class("sb-title").Text("Switchboard"),
							app.P().Class("sb-lead").Text("Real-time chat rooms. Pick a nickname and a room, and start talking."),
							&joinForm{WithRoom: true, Name: h.name, Room: defaultRoom},
						),
					app.P().Class("sb-footnote").Text("Rooms are open to anyone who knows their name."),
				),
		)
}

// brandMark is the Switchboard logo. It is decorative (text next to it names
// the app), so it is a styled element hidden from assistive technology
// rather than an image: go-app v10.1.11 does not render an empty alt.
func brandMark(class string) app.UI {
	return app.Span().Class("sb-logo "+class).Aria("hidden", true)
}

package ui

import (
	"context"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// home is the page at "/": the brand, the rooms people are in right now
// (live), and the form that picks a nickname and a room.
//
// The page owns one observer connection (a hello without a name may only
// ask for rooms): it starts in OnMount with ctx.Async, stops with the
// cancel function OnDismount calls, and every rooms event is applied inside
// ctx.Dispatch.
type home struct {
	app.Compo

	name        string // the stored nickname, to prefill the form
	rooms       []protocol.RoomInfo
	roomsLoaded bool
	cancel      context.CancelFunc
}

// OnNav sets the title; it runs on the server too.
func (h *home) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Switchboard")
}

// OnMount runs in the browser only: it reads the stored nickname, starts
// watching the room directory and waits for the form to post actionJoin.
func (h *home) OnMount(ctx app.Context) {
	h.name = loadIdentity(ctx.LocalStorage()).Name
	ctx.Handle(actionJoin, func(ctx app.Context, a app.Action) {
		if req, ok := a.Value.(joinRequest); ok {
			ctx.Navigate(pagePath(roomPrefix + req.Room))
		}
	})
	wctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	ctx.Async(func() {
		watchRooms(wctx, func(rooms []protocol.RoomInfo) {
			ctx.Dispatch(func(app.Context) {
				h.rooms, h.roomsLoaded = rooms, true
			})
		})
	})
}

// OnDismount stops watching the directory.
func (h *home) OnDismount() {
	if h.cancel != nil {
		h.cancel()
	}
}

// watchRooms observes the room directory until ctx ends: it connects
// without a name, asks for rooms, and reports every list the server sends.
// A lost connection is retried after a pause.
func watchRooms(ctx context.Context, report func([]protocol.RoomInfo)) {
	for ctx.Err() == nil {
		watchRoomsOnce(ctx, report)
		t := time.NewTimer(3 * time.Second)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

func watchRoomsOnce(ctx context.Context, report func([]protocol.RoomInfo)) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := client.Dial(dctx, serverURL(), client.Options{})
	cancel()
	if err != nil {
		return
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	ev, err := conn.Do(ctx, protocol.Command{Type: protocol.CmdRooms})
	if err != nil {
		return
	}
	report(ev.Rooms)
	for ev := range conn.Events() {
		if ev.Type == protocol.EvRooms {
			report(ev.Rooms)
		}
	}
}

// onOpenRoom opens a room of the directory, under the nickname typed in
// the form if it is valid (the room page asks for one otherwise).
func (h *home) onOpenRoom(room string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if name, err := protocol.NormalizeNickname(inputValue(idNickname)); err == nil {
			storeIdentity(ctx.LocalStorage(), loadIdentity(ctx.LocalStorage()).withName(name))
		}
		ctx.Navigate(pagePath(roomPrefix + room))
	}
}

func (h *home) Render() app.UI {
	return landing("Switchboard", "Real-time chat rooms. Pick a nickname and a room, and start talking.",
		&joinForm{WithRoom: true, Name: h.name, Room: defaultRoom},
		h.renderRooms(),
		app.P().Class("sb-footnote").Text("Rooms are open to anyone who knows their name."),
	)
}

// landing is the centred card layout of the home page and the room's
// nickname form: brand, title, lead text and form in the card, then more
// below it.
func landing(title, lead string, form app.UI, below ...app.UI) app.UI {
	return app.Div().
		Class("sb-app sb-home").
		Body(
			app.Main().
				Class("sb-landing").
				Body(append([]app.UI{
					app.Div().
						Class("sb-card").
						Body(
							brandMark("sb-card-logo"),
							app.H1().Class("sb-title").Text(title),
							app.P().Class("sb-lead").Text(lead),
							form,
						),
				}, below...)...),
		)
}

// renderRooms lists the active rooms, busiest first; each one opens in one click.
func (h *home) renderRooms() app.UI {
	var body app.UI
	switch {
	case !h.roomsLoaded:
		body = app.P().Class("sb-rooms-empty").Text("Looking for active rooms…")
	case len(h.rooms) == 0:
		body = app.P().Class("sb-rooms-empty").Text("No one is chatting right now. Start a room above.")
	default:
		items := make([]app.UI, 0, len(h.rooms))
		for _, r := range h.rooms {
			items = append(items, app.Li().
				Class("sb-room-entry").
				Body(
					app.Button().
						Type("button").
						Class("sb-room-button").
						Aria("label", "#"+r.Name+", "+strconv.Itoa(r.Online)+" online").
						OnClick(h.onOpenRoom(r.Name)).
						Body(
							app.Span().Class("sb-room-entry-name").Body(
								app.Span().Class("sb-hash").Aria("hidden", true).Text("#"),
								app.Text(r.Name),
							),
							app.Span().Class("sb-room-entry-count").Text(strconv.Itoa(r.Online)+" online"),
						),
				))
		}
		body = app.Ul().Class("sb-room-list").Aria("label", "Active rooms").Body(items...)
	}
	return app.Section().
		Class("sb-card sb-rooms").
		Aria("labelledby", idRoomsHeading).
		Body(
			app.H2().ID(idRoomsHeading).Class("sb-rooms-heading").Text("Active rooms"),
			body,
		)
}

// brandMark is the Switchboard logo. It is decorative (text next to it names
// the app), so it is a styled element hidden from assistive technology
// rather than an image: go-app v10.1.11 does not render an empty alt.
func brandMark(class string) app.UI {
	return app.Span().Class("sb-logo "+class).Aria("hidden", true)
}

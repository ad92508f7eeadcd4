package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// defaultRoom is the room the home form suggests.
const defaultRoom = "lobby"

// joinRequest is the value of actionJoin: a valid nickname and room.
type joinRequest struct {
	Name string
	Room string
}

// joinForm asks for a nickname and, on the home page, a room. On submit it
// validates both with shared/protocol, shows what is wrong next to the
// field, stores the nickname (see identity) and posts actionJoin.
type joinForm struct {
	app.Compo

	// WithRoom shows the Room field. Without it the form joins Room.
	WithRoom bool
	// Name is the nickname the field starts with.
	Name string
	// Room is the room the field starts with (WithRoom) or the room to join.
	Room string
	// Error is a nickname error from elsewhere (the server refused it).
	Error string
	// Suggestion is a free nickname the server proposed: a button takes it
	// in one click.
	Suggestion string

	nameErr string
	roomErr string
	// edited is set once the nickname changed: Error no longer applies.
	edited bool
	// ready is set once the form runs in the browser. The server's
	// prerendered page has no fields: text typed there before the app
	// starts would be lost when the app renders the page again.
	ready bool
}

// OnMount shows the fields and puts the cursor in the first one.
func (f *joinForm) OnMount(ctx app.Context) {
	f.ready = true
	ctx.Defer(func(app.Context) { focusElement(idNickname) })
}

func (f *joinForm) Render() app.UI {
	if !f.ready {
		return app.Div().Class("sb-form sb-form-loading")
	}
	nameErr := f.nameErr
	if nameErr == "" && !f.edited {
		nameErr = f.Error
	}
	return app.Form().
		Class("sb-form").
		Attr("novalidate", true).
		OnSubmit(f.onSubmit).
		Body(
			field{
				id: idNickname, label: "Nickname", value: f.Name,
				hintID: idNicknameError, hint: "How others see you. Up to 32 characters.", err: nameErr,
				autocomplete: "nickname", placeholder: "e.g. Ada",
				onInput: f.onNameInput,
			}.render(),
			app.If(f.WithRoom, func() app.UI {
				room := f.Room
				if room == "" {
					room = defaultRoom
				}
				return field{
					id: idRoom, label: "Room", value: room, prefix: "#",
					hintID: idRoomError, hint: "Letters, digits, - and _. A new name starts a new room.", err: f.roomErr,
					autocomplete: "off",
					onInput:      f.onRoomInput,
				}.render()
			}),
			app.If(f.Suggestion != "" && !f.edited, func() app.UI {
				return app.Button().
					Type("button").
					Class("sb-button sb-button-block sb-suggestion").
					OnClick(f.onTakeSuggestion).
					Text("Join as " + f.Suggestion)
			}),
			app.Button().
				Type("submit").
				Class("sb-button sb-button-primary sb-button-block").
				Text("Join"),
		)
}

// onNameInput clears the nickname's error once the person edits it.
func (f *joinForm) onNameInput(ctx app.Context, e app.Event) {
	if f.nameErr == "" && (f.edited || f.Error == "") {
		ctx.PreventUpdate()
	}
	f.nameErr, f.edited = "", true
}

func (f *joinForm) onRoomInput(ctx app.Context, e app.Event) {
	if f.roomErr == "" {
		ctx.PreventUpdate()
	}
	f.roomErr = ""
}

// onTakeSuggestion joins under the nickname the server proposed.
func (f *joinForm) onTakeSuggestion(ctx app.Context, e app.Event) {
	setInput(idNickname, f.Suggestion)
	f.onSubmit(ctx, e)
}

func (f *joinForm) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	room := f.Room
	if f.WithRoom {
		room = inputValue(idRoom)
	}
	req, nameErr, roomErr := validateJoin(inputValue(idNickname), room)
	f.nameErr, f.roomErr = nameErr, roomErr
	switch {
	case nameErr != "":
		focusElement(idNickname)
		return
	case roomErr != "":
		focusElement(idRoom)
		return
	}
	storeIdentity(ctx.LocalStorage(), loadIdentity(ctx.LocalStorage()).withName(req.Name))
	ctx.NewActionWithValue(actionJoin, req)
}

// validateJoin checks the form's values as the server will, and returns the
// request to post or the errors to show, in plain words. A room may be typed
// with a leading "#".
func validateJoin(name, room string) (req joinRequest, nameErr, roomErr string) {
	n, err := protocol.NormalizeNickname(name)
	if err != nil {
		nameErr = sentence(err.Message)
	}
	room = strings.TrimPrefix(strings.TrimSpace(room), "#")
	if err := protocol.ValidateRoom(room); err != nil {
		roomErr = sentence(err.Message)
	}
	return joinRequest{Name: n, Room: room}, nameErr, roomErr
}

// field is a labelled text input with a hint that turns into the error
// message when there is one; the input is described by it either way.
type field struct {
	id, label, value          string
	hintID, hint, err         string
	autocomplete, placeholder string
	prefix                    string
	onInput                   app.EventHandler
}

func (f field) render() app.UI {
	hintClass, hint := "sb-hint", f.hint
	if f.err != "" {
		hintClass, hint = "sb-hint sb-hint-error", f.err
	}
	input := app.Input().
		ID(f.id).
		Name(f.id).
		Type("text").
		Class("sb-input").
		Value(f.value).
		Attr("autocomplete", f.autocomplete).
		Attr("autocapitalize", "off").
		Attr("enterkeyhint", "go").
		Spellcheck(false).
		Aria("describedby", f.hintID).
		Aria("invalid", f.err != "").
		OnInput(f.onInput)
	if f.placeholder != "" {
		input = input.Placeholder(f.placeholder)
	}
	return app.Div().
		Class("sb-field").
		Body(
			app.Label().For(f.id).Class("sb-label").Text(f.label),
			app.Div().
				Class("sb-input-wrap").
				Body(
					app.If(f.prefix != "", func() app.UI {
						return app.Span().Class("sb-input-prefix").Aria("hidden", true).Text(f.prefix)
					}),
					input,
				),
			app.P().ID(f.hintID).Class(hintClass).Text(hint),
		)
}

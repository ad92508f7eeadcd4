package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Small helpers around the DOM. On the server (prerendering, native tests)
// app.Window is inert, so they do nothing there.

// inputValue returns the current value of the input or textarea with id.
func inputValue(id string) string {
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return ""
	}
	return el.Get("value").String()
}

// clearInput empties the input or textarea with id. Rendering Value("")
// does not clear an input in go-app v10.1.11 (upstream issue #1083), so the
// element is cleared directly.
func clearInput(id string) { setInput(id, "") }

// setInput sets the value of the input or textarea with id.
func setInput(id, v string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("value", v)
	}
}

func focusElement(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}

// scrollIntoView scrolls the element with id to the middle of its
// scrolling ancestor and gives it the focus (without a second scroll).
func scrollIntoView(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("scrollIntoView", map[string]any{"block": "center"})
		el.Call("focus", map[string]any{"preventScroll": true})
	}
}

// nearBottom reports whether the scrollable element with id is scrolled to
// (or close to) its end, so new content should keep it there.
func nearBottom(id string) bool {
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return true
	}
	gap := el.Get("scrollHeight").Int() - el.Get("scrollTop").Int() - el.Get("clientHeight").Int()
	return gap < 120
}

// scrollToBottom scrolls the element with id to its end.
func scrollToBottom(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("scrollTop", el.Get("scrollHeight"))
	}
}

// browserOnline reports navigator.onLine (true where unknown).
func browserOnline() bool {
	nav := app.Window().Get("navigator")
	if !nav.Truthy() {
		return true
	}
	return nav.Get("onLine").Bool()
}

// tabVisible reports whether the document is visible.
func tabVisible() bool {
	return app.Window().Get("document").Get("visibilityState").String() != "hidden"
}

// listen calls fn on the UI goroutine (through ctx.Dispatch) each time
// target fires event, and returns the function that removes the listener.
func listen(ctx app.Context, target app.Value, event string, fn func(app.Context)) (release func()) {
	if !target.Truthy() {
		return func() {}
	}
	f := app.FuncOf(func(app.Value, []app.Value) any {
		ctx.Dispatch(fn)
		return nil
	})
	target.Call("addEventListener", event, f)
	return func() {
		target.Call("removeEventListener", event, f)
		f.Release()
	}
}

// scrollFromBottom returns how far the top of the scrollable element with
// id is from its end, so that content added above can keep what is on
// screen in place (see setScrollFromBottom).
func scrollFromBottom(id string) int {
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return 0
	}
	return el.Get("scrollHeight").Int() - el.Get("scrollTop").Int()
}

// setScrollFromBottom scrolls the element with id so that its top is
// fromBottom pixels from its end again.
func setScrollFromBottom(id string, fromBottom int) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("scrollTop", el.Get("scrollHeight").Int()-fromBottom)
	}
}

// Command floor is the smallest app on Switchboard's browser stack: one
// go-app component that dials a coder/websocket connection. `make
// wasm-size` builds it beside app.wasm: its size is the floor the stack
// puts under app.wasm (go-app and coder/websocket import net/http, whose
// crypto/tls brings the standard library's crypto package inits; go-app
// brings encoding/json, fmt, reflect and regexp), so what app.wasm adds
// above it is Switchboard's own.
package main

import (
	"context"

	"github.com/coder/websocket"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

type hello struct{ app.Compo }

func (h *hello) Render() app.UI { return app.P().Text("hello") }

func (h *hello) OnMount(ctx app.Context) {
	ctx.Async(func() {
		c, _, err := websocket.Dial(context.Background(), "ws://localhost/ws", nil)
		if err == nil {
			c.Close(websocket.StatusNormalClosure, "")
		}
	})
}

func main() {
	app.Route("/", func() app.Composer { return &hello{} })
	app.RunWhenOnBrowser()
}

// Command wasmclient is the Switchboard browser app, built with
// GOOS=js GOARCH=wasm into app.wasm. The server imports the same routes
// (package ui) to render the pages that load it.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/wasmclient/ui"
)

func main() {
	ui.Routes()
	app.RunWhenOnBrowser()
}

//go:build switchboard_noprerender

package web

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
	"github.com/switchboard-rt/switchboard/wasmclient/shell"
)

// prerendering is whether this build renders the pages on the server: not
// this one (build tag switchboard_noprerender, which make dev uses). It
// leaves the app's components (package ui) out of the server, so an edit
// of the UI, or of the shared packages below it, compiles them once, for
// app.wasm, instead of twice. A page shows go-app's loading screen until
// app.wasm has rendered it.
const prerendering = false

// registerPages registers every page address with an empty page: go-app
// serves a page only for a routed path, and answers 404 for the rest.
func registerPages() {
	blank := app.NewZeroComponentFactory(&blankPage{})
	for _, p := range shell.Paths {
		app.Route(p, blank)
	}
	for _, p := range shell.Patterns {
		app.RouteWithRegexp(p, blank)
	}
}

// blankPage is every page of a server that does not prerender.
type blankPage struct{ app.Compo }

func (*blankPage) Render() app.UI { return app.Div() }

// holdSnapshot holds nothing: no page is prerendered.
func holdSnapshot(protocol.Event) (key string, release func()) { return "", func() {} }

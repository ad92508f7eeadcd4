//go:build !switchboard_noprerender

package web

import (
	"github.com/switchboard-rt/switchboard/shared/protocol"
	"github.com/switchboard-rt/switchboard/wasmclient/ui"
)

// prerendering is whether this build renders the pages on the server (their
// components, package ui, are compiled in).
const prerendering = true

// registerPages registers the app's pages with go-app, with their
// components, so go-app renders each page on the server as the app will.
func registerPages() { ui.Routes() }

// holdSnapshot keeps snap for the room page being prerendered (see
// ui.HoldSnapshot).
func holdSnapshot(snap protocol.Event) (key string, release func()) { return ui.HoldSnapshot(snap) }

//go:build js

package client

import (
	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// dialOptions in the browser: only subprotocols can be set; the browser
// chooses every header itself.
func dialOptions(Options) *websocket.DialOptions {
	return &websocket.DialOptions{Subprotocols: []string{protocol.Subprotocol}}
}

// plainDialOptions in the browser: nothing to set (no subprotocol; the
// browser chooses the headers).
func plainDialOptions(map[string][]string) *websocket.DialOptions { return nil }

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

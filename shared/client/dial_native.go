//go:build !js

package client

import (
	"net/http"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func dialOptions(opts Options) *websocket.DialOptions {
	return &websocket.DialOptions{
		Subprotocols: []string{protocol.Subprotocol},
		HTTPHeader:   http.Header(opts.Header),
		HTTPClient:   opts.HTTPClient,
	}
}

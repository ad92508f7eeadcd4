//go:build !js

package client

import (
	"net/http"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func dialOptions(opts Options) *websocket.DialOptions {
	o := &websocket.DialOptions{
		Subprotocols: []string{protocol.Subprotocol},
		HTTPHeader:   http.Header(opts.Header),
		HTTPClient:   opts.HTTPClient,
	}
	if opts.Compression {
		// Without context takeover: a connection keeps no 1.2 MB flate
		// writer after its first compressed message (see Options).
		o.CompressionMode = websocket.CompressionNoContextTakeover
	}
	return o
}

// plainDialOptions are the options of the endpoints without a subprotocol
// (the shared counter).
func plainDialOptions(header map[string][]string) *websocket.DialOptions {
	return &websocket.DialOptions{HTTPHeader: http.Header(header)}
}

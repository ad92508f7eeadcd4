// Package protocol is the Switchboard wire protocol, version 1: the frame types
// that clients send (Command) and receive (Event), the limits every frame must
// respect, the validation both sides run, and the typed error and close codes.
//
// Frames are JSON text messages on a WebSocket negotiated with the subprotocol
// Subprotocol ("switchboard.v1"). The package has no dependencies on the
// network or the browser: it compiles natively and for GOOS=js GOARCH=wasm, so
// the server, the browser app and every Go client validate with the same code.
package protocol

// Subprotocol is the WebSocket subprotocol of this protocol version. A server
// refuses a handshake that does not offer it.
const Subprotocol = "switchboard.v1"

package protocol

// CloseCode is a WebSocket close status. Standard codes are used where they
// fit; Switchboard's own live in 4000-4999, split in two ranges:
// 4000-4499 mean "reconnect and resume", 4500-4999 mean "do not reconnect
// without a change" (a person must act, or the client must get new credentials).
type CloseCode int

// Standard close codes Switchboard sends (RFC 6455, section 7.4.1).
const (
	CloseNormal        CloseCode = 1000 // the peer is done
	CloseGoingAway     CloseCode = 1001 // the server is stopping; reconnect elsewhere
	CloseFrameError    CloseCode = 1002 // the peer broke WebSocket's own rules (a malformed close frame)
	CloseInvalidData   CloseCode = 1007 // a text frame was not valid UTF-8
	ClosePolicy        CloseCode = 1008 // the peer broke a protocol rule
	CloseTooBig        CloseCode = 1009 // a frame was larger than MaxFrameBytes
	CloseInternal      CloseCode = 1011 // the server failed
	CloseRestart       CloseCode = 1012 // the server restarts; reconnect soon
	CloseTryAgainLater CloseCode = 1013 // the server is full; reconnect later
)

// Switchboard's close codes.
const (
	// CloseSlowConsumer: the connection's outgoing queue overflowed because the
	// client read too slowly. Reconnect and resume from history.
	CloseSlowConsumer CloseCode = 4000
	// CloseHeartbeatTimeout: the peer did not answer a heartbeat in time.
	CloseHeartbeatTimeout CloseCode = 4001
	// CloseHelloTimeout: no hello frame arrived in time after the handshake.
	CloseHelloTimeout CloseCode = 4002

	// CloseProtocolViolation: the client kept breaking the protocol; fix the client.
	CloseProtocolViolation CloseCode = 4500
	// CloseUnauthorized: the credentials were refused.
	CloseUnauthorized CloseCode = 4501
	// CloseTokenExpired: the connection's token expired without a refresh;
	// get a new token, then reconnect.
	CloseTokenExpired CloseCode = 4502
)

// Reconnect reports whether a client should reconnect by itself after the
// connection closed with code c. Unknown codes below 4500 reconnect; a clean
// 1000 does not.
func (c CloseCode) Reconnect() bool {
	switch {
	case c == CloseNormal:
		return false
	case c >= 4500 && c <= 4999:
		return false
	case c == ClosePolicy, c == CloseTooBig, c == CloseInvalidData, c == CloseFrameError:
		// The client sent something it must not send again as it is.
		return false
	}
	return true
}

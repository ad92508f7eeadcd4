package gateway

// WebSocket frame bits (RFC 6455 section 5.2) of a client's pong: FIN with
// opcode 0xA, then the mask bit (clients mask every frame) with a payload
// length of at most 125 (control frames never use the longer forms).
const (
	pongFinOpcode = 0x80 | 0xA
	maskBit       = 0x80
	maxControlLen = 125
)

// skipPong consumes the pong at the head of the read buffer, if the next
// frame is one and has arrived whole, and notes it for the heartbeat. It
// is called only when awaitFrame said bytes are there, so it never waits.
// coder/websocket would read the pong too (and call OnPongReceived), but
// its Reader goes on waiting for the next data frame inside its own deep
// call chain, so after every heartbeat an idle reader would park about
// 3 KiB deep and keep an 8 KiB stack (see awaitFrame). Anything else, a
// malformed or partial pong included, is left to coder/websocket.
//
// Once the connection is closing, coder/websocket's Close reads the peer's
// close frame from the same buffer on the writer's goroutine; inMu and
// inClosing keep skipPong out of the buffer from then on.
func (c *conn) skipPong() bool {
	c.inMu.Lock()
	defer c.inMu.Unlock()
	// One read at most: bytes are there.
	h, ok := c.nextHeaderLocked(true)
	if !ok || h[0] != pongFinOpcode || h[1]&maskBit == 0 || int(h[1]&^maskBit) > maxControlLen {
		return false
	}
	n := 2 + 4 + int(h[1]&^maskBit) // header, masking key, payload
	if c.in.Buffered() < n {
		return false
	}
	c.in.Discard(n)
	c.pongSeen.Store(true)
	return true
}

package gateway

import (
	"context"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// writeLoop sends queued frames until the connection closes, then sends the
// close frame with the recorded code.
func (c *conn) writeLoop() {
	for {
		select {
		case <-c.ctx.Done():
			c.sendClose()
			return
		case frame := <-c.mailbox:
			if err := c.write(frame); err != nil {
				c.closeWith(protocol.CloseInternal, "write failed")
				return
			}
		}
	}
}

func (c *conn) write(frame []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.g.opts.WriteTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, frame)
}

// sendClose performs the closing handshake, flushing nothing more: a
// connection closed for being slow resumes from history.
func (c *conn) sendClose() {
	code, reason := c.closeCode, c.closeReason
	if code == 0 {
		code = protocol.CloseNormal
	}
	// Close waits for the peer's close frame (read by the reader) for at
	// most 5 s, then drops the connection.
	c.ws.Close(websocket.StatusCode(code), reason)
}

// heartbeat pings the client every PingInterval and closes the connection
// with 4001 when a pong does not come within PongTimeout.
func (c *conn) heartbeat() {
	t := time.NewTicker(c.g.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(c.ctx, c.g.opts.PongTimeout)
			err := c.ws.Ping(ctx)
			timedOut := ctx.Err() == context.DeadlineExceeded
			cancel()
			if timedOut {
				c.closeWith(protocol.CloseHeartbeatTimeout, "no pong")
				return
			}
			if err != nil {
				return
			}
		}
	}
}

package gateway

import (
	"context"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// maxBatchBytes bounds one batch frame: the writer stops adding queued
// frames to a batch past this size.
const maxBatchBytes = 256 << 10

// flushTimeout bounds the flush of queued frames before a graceful close,
// and the write of the closing event.
const flushTimeout = time.Second

// writeLoop sends queued frames until the connection closes, then sends the
// close frame with the recorded code. Whatever is queued when it wakes goes
// out in one write (a batch frame), so a busy connection costs one write
// per wake-up instead of one per event.
func (c *conn) writeLoop() {
	var buf []byte
	for {
		select {
		case <-c.ctx.Done():
			c.sendClose(buf)
			return
		case frame := <-c.mailbox:
			var out []byte
			out, buf = c.batch(frame, buf)
			if err := c.write(context.Background(), out); err != nil {
				c.closeWith(protocol.CloseInternal, "write failed")
				return
			}
		}
	}
}

// batch returns first alone if nothing else is queued, else a batch frame
// of first and whatever else is queued (up to maxBatchBytes), built in buf.
func (c *conn) batch(first, buf []byte) (out, newBuf []byte) {
	if len(c.mailbox) == 0 {
		return first, buf
	}
	buf = append(buf[:0], protocol.BatchPrefix...)
	buf = append(buf, first...)
	for len(buf) < maxBatchBytes {
		select {
		case f := <-c.mailbox:
			buf = append(buf, ',')
			buf = append(buf, f...)
			continue
		default:
		}
		break
	}
	buf = append(buf, protocol.BatchSuffix...)
	if cap(buf) > 4*maxBatchBytes {
		// Do not keep a huge buffer for an idle connection.
		return buf, nil
	}
	return buf, buf
}

func (c *conn) write(ctx context.Context, frame []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.g.opts.WriteTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, frame)
}

// sendClose ends the connection: on a graceful stop it first flushes what
// is queued; it announces the close code in a closing event (browsers lose
// close codes), then performs the closing handshake.
func (c *conn) sendClose(buf []byte) {
	code, reason := c.closeCode, c.closeReason
	if code == 0 {
		code = protocol.CloseNormal
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	if code == protocol.CloseGoingAway || code == protocol.CloseRestart {
		for len(c.mailbox) > 0 && ctx.Err() == nil {
			var out []byte
			out, buf = c.batch(<-c.mailbox, buf)
			if c.write(ctx, out) != nil {
				break
			}
		}
	}
	if code != protocol.CloseNormal && ctx.Err() == nil {
		ev := protocol.Event{Type: protocol.EvClosing, Code: code, Text: reason}
		if frame, err := ev.Encode(); err == nil {
			c.write(ctx, frame)
		}
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

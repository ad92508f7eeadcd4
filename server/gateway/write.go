package gateway

import (
	"context"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// flushTimeout bounds the flush of queued frames before a graceful close,
// and the write of the closing event.
const flushTimeout = time.Second

// writer is the state of a connection's writer goroutine.
type writer struct {
	c      *conn
	frames [][]byte // reused: what take returned
	buf    []byte   // reused: the batch being built
}

// writeLoop sends queued frames until the connection closes, then sends the
// close frame with the recorded code. Whatever is queued when it wakes goes
// out in one write (a batch frame). It also runs the heartbeat: a ping every
// PingInterval, in a short-lived goroutine since a ping waits for its pong.
func (c *conn) writeLoop() {
	w := &writer{c: c}
	ping := time.NewTicker(c.g.opts.PingInterval)
	defer ping.Stop()
	pinging := make(chan struct{}, 1) // holds a token while a ping is out
	for {
		select {
		case <-c.ctx.Done():
			w.close()
			return
		case <-c.mailbox.notify:
			// No deadline per write: with a context that is never done,
			// coder/websocket arms no timer per Write. A peer that stops
			// reading is caught by the full mailbox (4000) or by the
			// heartbeat (4001); both drop the connection (CloseNow, at
			// most flushTimeout after a 4000), which ends a write stuck
			// on its full socket.
			if err := w.flush(context.Background()); err != nil {
				c.closeWith(protocol.CloseInternal, "write failed")
				return
			}
		case <-ping.C:
			select {
			case pinging <- struct{}{}:
				c.workers.Go(func() {
					defer func() { <-pinging }()
					c.ping()
				})
			default: // the last ping is still out: its timeout decides
			}
		}
	}
}

// flush writes everything queued: one frame alone, several as batches
// (or, in a dialect that renders frames, each message alone or, if the
// dialect packs, the text messages joined by line breaks).
func (w *writer) flush(ctx context.Context) error {
	w.frames = w.c.mailbox.take(w.frames)
	frames := w.frames
	if render := w.c.dialect.render; render != nil {
		defer clear(w.frames)
		return w.writeRendered(ctx, render, frames)
	}
	for len(frames) > 0 {
		if isBinary(frames[0]) {
			if err := w.c.writeBinary(ctx, frames[0]); err != nil {
				return err
			}
			frames = frames[1:]
			continue
		}
		// The text frames up to the next binary one go out as one frame
		// (a room's batch frames are spliced in, not nested).
		n := 1
		for n < len(frames) && !isBinary(frames[n]) {
			n++
		}
		frame, took := frames[0], 1
		if n > 1 {
			w.buf, took = protocol.AppendBatch(w.buf[:0], frames[:n], protocol.MaxBatchBytes)
			frame = w.buf
		}
		if err := w.c.write(ctx, frame); err != nil {
			return err
		}
		frames = frames[took:]
	}
	clear(w.frames)
	if cap(w.buf) > 4*protocol.MaxBatchBytes {
		w.buf = nil // do not keep a burst's buffer on an idle connection
	}
	return nil
}

// writeRendered writes what render makes of frames: each message alone,
// or with dialect.pack the text messages joined by "\n" into frames of at
// most protocol.MaxBatchBytes.
func (w *writer) writeRendered(ctx context.Context, render func(*conn, []byte) []message, frames [][]byte) error {
	c := w.c
	w.buf = w.buf[:0]
	packed := func() error {
		if len(w.buf) == 0 {
			return nil
		}
		err := c.write(ctx, w.buf)
		w.buf = w.buf[:0]
		return err
	}
	for _, f := range frames {
		for _, m := range render(c, f) {
			if !c.dialect.pack || m.typ != websocket.MessageText {
				if err := packed(); err != nil {
					return err
				}
				if err := c.ws.Write(ctx, m.typ, m.data); err != nil {
					return err
				}
				continue
			}
			if len(w.buf) > 0 && len(w.buf)+1+len(m.data) > protocol.MaxBatchBytes {
				if err := packed(); err != nil {
					return err
				}
			}
			if len(w.buf) > 0 {
				w.buf = append(w.buf, '\n')
			}
			w.buf = append(w.buf, m.data...)
		}
	}
	return packed()
}

func (c *conn) write(ctx context.Context, frame []byte) error {
	c.g.opts.Metrics.BytesOut.Add(float64(len(frame)))
	return c.ws.Write(ctx, websocket.MessageText, frame)
}

// isBinary tells the queued binary frames (protocol binary.go: they start
// with their kind byte) from text ones (JSON objects: they start with '{').
func isBinary(frame []byte) bool { return len(frame) > 0 && frame[0] != '{' }

func (c *conn) writeBinary(ctx context.Context, frame []byte) error {
	return c.ws.Write(ctx, websocket.MessageBinary, frame)
}

// close ends the connection: unless the peer stopped reading it first
// flushes what is queued; it announces the close code in a closing event (browsers lose
// close codes), then performs the closing handshake.
func (w *writer) close() {
	c := w.c
	code, reason := c.closeCode, c.closeReason
	if code == 0 {
		code = protocol.CloseNormal
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	switch code {
	case protocol.CloseSlowConsumer, protocol.CloseHeartbeatTimeout, protocol.CloseInternal:
		// The peer is not reading, or writing failed: nothing more will go.
	default:
		// What was queued before the close (the error that explains a
		// refused hello, the last events before a restart) goes first.
		w.flush(ctx)
	}
	if code != protocol.CloseNormal && ctx.Err() == nil {
		switch {
		case c.dialect.render == nil:
			ev := protocol.Event{Type: protocol.EvClosing, Code: code, Text: reason}
			if frame, err := ev.Encode(); err == nil {
				c.write(ctx, frame)
			}
		case c.dialect.closing != nil:
			for _, m := range c.dialect.closing(code, reason) {
				c.ws.Write(ctx, m.typ, m.data)
			}
		}
	}
	// Close waits for the peer's close frame (read by the reader) for at
	// most 5 s, then drops the connection.
	c.ws.Close(websocket.StatusCode(code), reason)
}

// ping sends one ping and closes the connection with 4001 when the pong
// does not come within PongTimeout.
func (c *conn) ping() {
	ctx, cancel := context.WithTimeout(c.ctx, c.g.opts.PongTimeout)
	defer cancel()
	c.ws.Ping(ctx)
	if ctx.Err() == context.DeadlineExceeded {
		// The peer is gone or stuck: no point waiting for a closing
		// handshake it will not answer.
		c.closeWith(protocol.CloseHeartbeatTimeout, "no pong")
		c.ws.CloseNow()
	}
}

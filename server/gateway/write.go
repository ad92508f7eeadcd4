package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// flushTimeout bounds the flush of queued frames before a graceful close,
// and the write of the closing event.
const flushTimeout = time.Second

// writer is the scratch space of a connection's writer. Pooled: a
// connection needs it only while it writes.
type writer struct {
	c      *conn
	frames [][]byte // what the mailbox gave
	buf    []byte   // the batch being built
}

var writers = sync.Pool{New: func() any { return new(writer) }}

func getWriter(c *conn) *writer {
	w := writers.Get().(*writer)
	w.c = c
	return w
}

func (w *writer) release() {
	clear(w.frames)
	w.frames, w.c = w.frames[:0], nil
	if cap(w.buf) > 4*protocol.MaxBatchBytes {
		w.buf = nil // do not keep a burst's buffer
	}
	writers.Put(w)
}

// drain is a connection's writer. The first frame queued after an idle
// spell starts it (Deliver); it sends what is queued, and what arrives
// meanwhile, each time all of it in one write (a batch frame), until the
// mailbox is empty, and ends. So an idle connection has no writer
// goroutine. It holds writeMu while it runs; once the connection is
// closing it leaves what is left to closeWrite.
//
// No deadline per write: with a context that is never done, coder/websocket
// arms no timer per Write. A peer that stops reading is caught by the full
// mailbox (4000) or by the heartbeat (4001); both drop the connection
// (CloseNow, at most flushTimeout after a 4000), which ends a write stuck on
// its full socket.
func (c *conn) drain() {
	defer c.workers.Done()
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	w := getWriter(c)
	defer w.release()
	for c.ctx.Err() == nil {
		w.frames = c.mailbox.take(w.frames)
		if len(w.frames) == 0 {
			return
		}
		if err := w.flush(context.Background(), w.frames); err != nil {
			c.closeWith(protocol.CloseInternal, "write failed")
			return
		}
	}
}

// closeWrite runs once the connection is closing (its context is done):
// after any running writer, it shuts the mailbox, sends what was queued
// (unless the peer stopped reading), the closing event and the close frame.
func (c *conn) closeWrite() {
	defer c.workers.Done()
	c.pingTimer.Stop()
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	w := getWriter(c)
	defer w.release()
	w.frames = c.mailbox.close(w.frames)
	w.close()
}

// heartbeat pings the peer every PingInterval (on a timer: no goroutine
// waits between pings), and re-arms once the pong is in.
func (c *conn) heartbeat() {
	if !c.mailbox.admit() {
		return // closing
	}
	defer c.workers.Done()
	c.ping()
	if c.ctx.Err() == nil {
		c.pingTimer.Reset(c.g.opts.PingInterval)
	}
}

// flush writes everything queued: one frame alone, several as batches
// (or, in a dialect that renders frames, each message alone or, if the
// dialect packs, the text messages joined by line breaks).
func (w *writer) flush(ctx context.Context, frames [][]byte) error {
	if render := w.c.dialect.render; render != nil {
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
		w.flush(ctx, w.frames)
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

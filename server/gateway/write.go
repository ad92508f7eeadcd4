package gateway

import (
	"context"
	"errors"
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
	// One turn of the socket writer: what the frames of this run leave
	// behind in it goes out when the mailbox is empty.
	c.out.hold()
	var err error
	for err == nil && c.ctx.Err() == nil {
		w.frames = c.mailbox.take(w.frames)
		if len(w.frames) == 0 {
			break
		}
		err = w.flush(context.Background(), w.frames)
	}
	if err := errors.Join(err, c.out.release()); err != nil {
		// The socket failed: the peer went away (reset, closed), as when
		// a read fails without a close frame (readFailed). Not 1011: the
		// server did not fail, and dashboards count 1011 as its errors.
		c.closeWith(protocol.CloseGoingAway, "connection lost")
	}
}

// closeWrite runs once the connection is closing (its context is done):
// after any running writer, it shuts the mailbox, sends what was queued
// (unless the peer stopped reading), the closing event and the close frame.
func (c *conn) closeWrite() {
	defer c.workers.Done()
	// The context may have ended from above (the gateway's Abort) while
	// the reader records why in closeWith: once Do returns, that record
	// is complete and visible (or no later one will be made), so the
	// writer reads closeCode safely.
	c.closeOnce.Do(func() {})
	c.pingTimer.Stop()
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	w := getWriter(c)
	defer w.release()
	w.frames = c.mailbox.close(w.frames)
	w.close()
}

// heartbeat runs on a timer (no goroutine waits between pings): every
// PingInterval it queues a ping for the writer, and PongTimeout later it
// checks that a pong came; if none did, the peer is gone or stuck (a writer
// blocked on the peer's full socket never sends the ping) and the
// connection closes with 4001 at once (a closing handshake would wait for
// an answer that cannot come). Queuing never blocks the timer.
func (c *conn) heartbeat() {
	if !c.mailbox.admit() {
		return // closing
	}
	defer c.workers.Done()
	if c.awaitingPong {
		c.awaitingPong = false
		if !c.pongSeen.Load() {
			c.closeWith(protocol.CloseHeartbeatTimeout, "no pong")
			c.ws.CloseNow()
			return
		}
		c.pingTimer.Reset(max(0, c.g.opts.PingInterval-c.g.opts.PongTimeout))
		return
	}
	c.pongSeen.Store(false)
	if !c.Deliver(pingRequest) {
		return // closing
	}
	c.awaitingPong = true
	c.pingTimer.Reset(c.g.opts.PongTimeout)
}

// pingRequest, queued in the mailbox, asks the writer for a ping: known by
// its identity (isPingRequest), never sent as it is.
var pingRequest = []byte{0}

func isPingRequest(frame []byte) bool { return len(frame) == 1 && &frame[0] == &pingRequest[0] }

// pingFrame is an unmasked ping with no payload (RFC 6455 section 5.5.2).
var pingFrame = []byte{0x80 | 0x9, 0}

// flush writes everything queued, in order: pings (asked for by the
// heartbeat) as control frames; the frames between them as writeData does.
// The writer writes a ping straight to the socket writer: it holds writeMu,
// so the ping never falls between the pieces of a data frame, and control
// frames from coder/websocket (pongs, the close) reach the socket in one
// write each (they fit writeBufferSize), so it cannot split those either.
// The pong is noted by the reader (skipPong) or by coder/websocket
// (OnPongReceived).
func (w *writer) flush(ctx context.Context, frames [][]byte) error {
	for len(frames) > 0 {
		if isPingRequest(frames[0]) {
			if _, err := w.c.out.Write(pingFrame); err != nil {
				return err
			}
			frames = frames[1:]
			continue
		}
		n := runUntil(frames, isPingRequest)
		if err := w.writeData(ctx, frames[:n]); err != nil {
			return err
		}
		frames = frames[n:]
	}
	return nil
}

// runUntil returns the length of the run at the head of frames (at least
// its first frame) that ends before the next frame stop is true of.
func runUntil(frames [][]byte, stop func([]byte) bool) int {
	n := 1
	for n < len(frames) && !stop(frames[n]) {
		n++
	}
	return n
}

// writeData writes data frames: one frame alone, several as batches (or,
// in a dialect that renders frames, each message alone or, if the dialect
// packs, the text messages joined by line breaks).
func (w *writer) writeData(ctx context.Context, frames [][]byte) error {
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
		n := runUntil(frames, isBinary)
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
				if err := c.writeMessage(ctx, m.typ, m.data); err != nil {
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
	return c.writeMessage(ctx, websocket.MessageText, frame)
}

// writeMessage writes one message. When the connection does not compress,
// the gateway frames it itself, straight into the socket writer:
// coder/websocket's Write takes two locks made of channels and selects
// (runtime.selectgo and coder/websocket.(*mu).lock: 11% of the server's
// CPU in a profile under W1), which writeMu already makes redundant.
// Control frames stay coder/websocket's; socketWriter keeps every frame
// whole. The library frames compressed messages.
func (c *conn) writeMessage(ctx context.Context, typ websocket.MessageType, data []byte) error {
	if c.ownFrames {
		return c.out.writeFrame(byte(typ), data) // MessageText and MessageBinary are the opcodes
	}
	return c.ws.Write(ctx, typ, data)
}

// isBinary tells the queued binary frames (protocol binary.go: they start
// with their kind byte) from text ones (JSON objects: they start with '{').
func isBinary(frame []byte) bool { return len(frame) > 0 && frame[0] != '{' }

func (c *conn) writeBinary(ctx context.Context, frame []byte) error {
	return c.writeMessage(ctx, websocket.MessageBinary, frame)
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
	// Frames the gateway writes itself do not watch ctx: a deadline on the
	// socket bounds them.
	c.out.deadline(time.Now().Add(flushTimeout))
	c.out.hold()
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
				c.writeMessage(ctx, m.typ, m.data)
			}
		}
	}
	c.out.release()
	c.out.deadline(time.Time{})
	c.inMu.Lock()
	c.inClosing = true
	c.inMu.Unlock()
	if c.dropOnClose.Load() && c.out != nil {
		// The reader gave up on the peer's frames (one announced more
		// than the limit, or broke a rule) or could not read at all: no
		// closing handshake, which would wait up to 5 s. The close frame
		// says why (unless the read broke); then the connection ends
		// (see dropAfterClose).
		c.out.deadline(time.Now().Add(flushTimeout))
		if !c.readBroken.Load() {
			c.out.writeFrame(opClose, closeFrame(code, reason))
		}
		c.dropAfterClose()
		c.ws.CloseNow()
		return
	}
	if code == protocol.CloseHeartbeatTimeout {
		// The peer does not answer: a closing handshake would wait 5 s
		// for a close frame that cannot come (and, if it started before
		// the heartbeat's own CloseNow, hold that one up as long).
		c.ws.CloseNow()
		return
	}
	// Close waits for the peer's close frame (read by the reader) for at
	// most 5 s, then drops the connection.
	c.ws.Close(websocket.StatusCode(code), reason)
}

package gateway

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"math"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
	"golang.org/x/time/rate"
)

// conn is one protocol connection. Its handler goroutine (serve) owns it and
// runs the reader; serve starts the writer and the heartbeat and waits for
// both. closeWith, from any goroutine, asks them all to stop.
type conn struct {
	g      *Gateway
	ws     *websocket.Conn
	id     string
	remote string

	ctx    context.Context // cancelled when the connection is closing
	cancel context.CancelFunc

	// readCtx outlives ctx: the reader keeps reading while the writer
	// performs the closing handshake (coder/websocket drops a connection
	// without a close frame when a Read's context ends). It ends with the
	// gateway (Abort) or when serve is done.
	readCtx    context.Context
	readCancel context.CancelFunc

	// in is the connection's read buffer and raw the socket under it, for
	// awaitFrame (raw is nil where it cannot wait); out is where its
	// frames leave (socketWriter). All come from the upgrade, which exists
	// whenever Accept succeeded. earlyPending (reader only): bytes the
	// client sent with its handshake may wait outside in's buffer, so
	// awaitFrame cannot tell (see upgrade.early); cleared once a message
	// has been read, as in's first fill has taken them in.
	in           *bufio.Reader
	raw          syscall.RawConn
	earlyPending bool
	out          *socketWriter
	// ownFrames: data frames are framed here (see writeMessage), as the
	// connection does not compress.
	ownFrames bool
	// inMu guards in outside coder/websocket's reads; inClosing is set
	// before Close reads the peer's close frame (see skipPong).
	inMu      sync.Mutex
	inClosing bool
	// dropOnClose: the close frame is the last thing written, and no
	// closing handshake follows (the reader gave up on the peer's frames).
	// readBroken: the read failed (see readFailed); no close frame of
	// ours either.
	dropOnClose atomic.Bool
	readBroken  atomic.Bool

	mailbox *mailbox // frames for the writer; bounded
	// writeMu is held by whoever writes data frames: the writer (drain)
	// or, at the end, closeWrite.
	writeMu sync.Mutex
	// pingTimer fires the heartbeat (see heartbeat). awaitingPong is the
	// heartbeat's own (a ping is out); pongSeen is set by the reader when a
	// pong arrives.
	pingTimer    *time.Timer
	awaitingPong bool
	pongSeen     atomic.Bool

	// dialect is how this kind of endpoint reads and writes (see dialect).
	dialect dialect

	// workers counts the connection's goroutines besides the reader: the
	// writer while it runs, a ping while it waits for its pong, and
	// closeWrite (counted from the start: it runs once the context is
	// done). serve waits for them.
	workers sync.WaitGroup

	// Per-connection limits, used by the reader (and, for cursors, the
	// cursor timer: see deferCursor).
	messages *rate.Limiter // sends, edits, deletes, points
	joins    *rate.Limiter
	cursors  *rate.Limiter

	// cursorMu guards the cursor positions that came over the rate: the
	// newest per room waits in pendingCursors (latest wins) until
	// cursorTimer fires at the limiter's next allowance and hands it to the
	// hub, so the last position a client sends always arrives. Every call
	// of hub.Cursor for this connection is made holding cursorMu, so an
	// older pending position never overtakes a newer one. cursorsStopped
	// is set when the connection ends; no timer is armed after.
	cursorMu       sync.Mutex
	pendingCursors map[string]protocol.Command
	cursorTimer    *time.Timer
	cursorsStopped bool

	// user is set once by hello, by the reader, before the hub ever sees
	// the conn; greeted tells other goroutines that it happened.
	user    protocol.User
	access  hub.Access
	greeted atomic.Bool
	// binary: the hello asked for cursor batches as binary frames.
	binary atomic.Bool
	// expiry closes the connection when its token expires (reader only).
	expiry *time.Timer

	closeOnce   sync.Once
	closeCode   protocol.CloseCode
	closeReason string

	// Reader state that outlives a parked reader's goroutine (see run):
	// helloTimer closes a connection that sends no hello in time;
	// badFrames counts the invalid frames in a row.
	helloTimer *time.Timer
	badFrames  int
	// park is the connection's place in the gateway's poller (nil where
	// its reader cannot park).
	park *parking
	// start is when serving began; ended runs last, once it has ended.
	start time.Time
	ended func()
}

func newConn(g *Gateway, ws *websocket.Conn, u *upgrade, remote string, d dialect) *conn {
	ctx, cancel := context.WithCancel(g.base)
	readCtx, readCancel := context.WithCancel(g.base)
	ws.SetReadLimit(-1) // the reader enforces MaxFrameBytes itself (see read)
	c := &conn{
		g: g, ws: ws, remote: remote,
		id:         g.opts.Node + "-" + randomID(),
		ctx:        ctx,
		cancel:     cancel,
		readCtx:    readCtx,
		readCancel: readCancel,
		dialect:    d,
		messages:   rate.NewLimiter(rate.Limit(g.opts.MessagesPerSecond), g.opts.MessageBurst),
		joins:      rate.NewLimiter(rate.Every(time.Minute/time.Duration(g.opts.JoinsPerMinute)), g.opts.JoinsPerMinute),
		cursors:    rate.NewLimiter(rate.Limit(g.opts.CursorsPerSecond), max(1, int(g.opts.CursorsPerSecond/4))),
	}
	if u != nil {
		c.in, c.out, c.ownFrames, c.park = u.br, u.out, !u.compressed, u.park
		if sc, ok := u.nc.(syscall.Conn); ok {
			c.raw, _ = sc.SyscallConn()
		}
		c.earlyPending = u.early
	}
	if c.park != nil {
		c.park.resume = func() { go c.run() }
	}
	c.mailbox = newMailbox(g.opts.MailboxSize, &c.workers)
	// The heartbeat's timer exists before it can fire; closeWrite is
	// counted now and runs when the connection starts closing.
	c.pingTimer = time.AfterFunc(time.Duration(math.MaxInt64), c.heartbeat)
	c.pingTimer.Reset(g.opts.PingInterval)
	c.workers.Add(1)
	context.AfterFunc(ctx, c.closeWrite)
	return c
}

// ID implements hub.Conn.
func (c *conn) ID() string { return c.id }

// User implements hub.Conn.
func (c *conn) User() protocol.User { return c.user }

// WantsBinary tells the hub to send this connection cursor batches as
// binary frames.
func (c *conn) WantsBinary() bool { return c.binary.Load() }

// Access implements hub.Conn.
func (c *conn) Access() hub.Access { return c.access }

// Deliver implements hub.Conn: it queues frame without blocking, and closes
// the connection as a slow consumer when the mailbox is full.
func (c *conn) Deliver(frame []byte) bool {
	ok, start := c.mailbox.push(frame)
	if start {
		go c.drain()
	}
	if ok {
		return true
	}
	c.g.opts.Metrics.QueueDrops.Inc()
	c.closeWith(protocol.CloseSlowConsumer, "too slow reading; reconnect and resume")
	// An idle writer now sends the closing event and the close frame.
	// One stuck on the peer's full socket, in a write without a deadline
	// (see drain), is ended by dropping the connection if it has not
	// closed by then.
	time.AfterFunc(flushTimeout, func() { c.ws.CloseNow() })
	return false
}

// send encodes ev and delivers it.
func (c *conn) send(ev *protocol.Event) {
	frame, err := ev.Encode()
	if err != nil {
		c.g.log.Error("encode event", "conn", c.id, "err", err)
		return
	}
	c.Deliver(frame)
}

// closeWith records why the connection ends (the first reason wins) and
// stops its goroutines; the writer sends the close frame.
func (c *conn) closeWith(code protocol.CloseCode, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeReason = code, reason
		c.cancel()
	})
}

// serve runs the connection: the reader in this goroutine, the writer and
// the heartbeat when they have work. Once the connection has ended and all
// have stopped, it calls ended. An idle protocol reader parks (see
// awaitOrPark): its goroutine ends and run starts again on another when
// bytes arrive.
func (c *conn) serve(ended func()) {
	c.start, c.ended = time.Now(), ended
	c.run()
}

// run runs the reader until it parks or the connection ends.
func (c *conn) run() {
	if c.dialect.read != nil {
		c.dialect.read(c)
	} else if c.readLoop() {
		return // parked
	}
	c.finish()
}

// finish ends the connection once its reader has stopped for good.
func (c *conn) finish() {
	if c.helloTimer != nil {
		c.helloTimer.Stop()
	}
	c.closeWith(protocol.CloseNormal, "")
	c.stopCursors()
	if c.expiry != nil {
		c.expiry.Stop()
	}
	c.g.hub.Disconnect(c)
	if c.user.ID != "" {
		c.g.admit.forget(c.user.ID)
	}
	c.workers.Wait()
	c.readCancel()
	c.ws.CloseNow()
	code := c.closeCode
	if code == 0 {
		code = protocol.CloseNormal
	}
	c.g.opts.Metrics.Closed(code)
	if code == protocol.CloseSlowConsumer {
		c.g.opts.Metrics.SlowDisconnects.Inc()
	}
	c.g.log.Info("connection closed", "conn", c.id, "remote", c.remote,
		"code", int(c.closeCode), "reason", c.closeReason, "duration", time.Since(c.start).Round(time.Millisecond))
	c.ended()
}

// cursor hands cmd, a cursor position within the rate, to the hub. A
// pending older position for the same room is dropped: this one is newer.
func (c *conn) cursor(cmd protocol.Command) *protocol.Error {
	c.cursorMu.Lock()
	defer c.cursorMu.Unlock()
	delete(c.pendingCursors, cmd.Room)
	return c.g.hub.Cursor(c, cmd)
}

// deferCursor keeps cmd, a cursor position over the rate, as its room's
// pending position (replacing an older one) and, unless a timer is already
// armed, reserves the limiter's next allowance and arms the timer for it.
// A client moving faster than the rate thus has at most one position per
// allowance relayed, and its final one always is.
func (c *conn) deferCursor(cmd protocol.Command) {
	c.cursorMu.Lock()
	defer c.cursorMu.Unlock()
	if c.cursorsStopped {
		return
	}
	if c.pendingCursors == nil {
		c.pendingCursors = make(map[string]protocol.Command)
	}
	c.pendingCursors[cmd.Room] = cmd
	if c.cursorTimer != nil {
		return // armed: it sends the newest pending position
	}
	delay := c.cursors.Reserve().Delay()
	c.cursorTimer = time.AfterFunc(delay, c.flushCursors)
}

// flushCursors runs on the cursor timer: it hands the pending positions to
// the hub (an error means the person left the room meanwhile: nothing to
// show).
func (c *conn) flushCursors() {
	c.cursorMu.Lock()
	defer c.cursorMu.Unlock()
	c.cursorTimer = nil
	if c.cursorsStopped {
		return
	}
	for room, cmd := range c.pendingCursors {
		c.g.hub.Cursor(c, cmd)
		delete(c.pendingCursors, room)
	}
}

// stopCursors drops the pending positions and stops the timer; serve calls
// it before leaving the hub, so no position is relayed after.
func (c *conn) stopCursors() {
	c.cursorMu.Lock()
	defer c.cursorMu.Unlock()
	c.cursorsStopped = true
	c.pendingCursors = nil
	if c.cursorTimer != nil {
		c.cursorTimer.Stop()
		c.cursorTimer = nil
	}
}

func randomID() string {
	var b [9]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

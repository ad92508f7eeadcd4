// Package client is the one Switchboard WebSocket client. The browser app, the
// command-line client, the tests and the load generator all use it; it builds
// natively and for GOOS=js GOARCH=wasm (where the browser's WebSocket does the
// networking, through github.com/coder/websocket).
//
// A Conn is one WebSocket connection after the hello/welcome exchange. It runs
// one reader goroutine for its whole life; answers to commands go to the
// goroutine waiting in Do, every other event goes to the Events channel.
package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Options configure Dial. The zero value of every field means its default.
type Options struct {
	// Name is the nickname sent in hello. Required.
	Name string
	// Session is the token from an earlier welcome; it keeps the same user id.
	Session string
	// Token is a JWT from the site the person signed in to; it names them
	// (Name may then be empty).
	Token string
	// Header is added to the handshake request (native builds only; browsers
	// set their own headers, Origin included).
	Header map[string][]string
	// HTTPClient makes the handshake (native builds only), e.g. to trust a
	// private certificate authority for wss://. Default http.DefaultClient.
	HTTPClient *http.Client
	// Compression offers permessage-deflate (native builds only; browsers
	// negotiate it themselves), without context takeover, so a connection
	// holds no flate writer between messages. A server with compression on
	// then sends large frames compressed. Default false: not offered.
	Compression bool
	// EventBuffer is the capacity of the Events channel. Default 1024. A full
	// channel stops the reader, and a server disconnects a client that stops
	// reading for long, so consume Events promptly.
	EventBuffer int
	// ReadLimit is the largest event frame accepted, in bytes. Default 16 MiB
	// (a joined event carries a page of history).
	ReadLimit int64
	// Binary sends cursor updates as binary frames and asks the server for
	// cursor batches as binary frames (protocol binary.go); Events
	// delivers them as cursors events all the same.
	Binary bool
	// OnFrame, if set, is called by the reader goroutine with each text
	// frame (one event, or a batch of them) before it is decoded; returning
	// true consumes the frame, which is then neither decoded nor delivered
	// on Events, nor taken as the answer to a command, so it must return
	// false for a frame holding an answer that Do waits for. It lets a
	// reader that needs only a few bytes of each frame (the load generator
	// counting messages) skip decoding. data is valid only during the call:
	// the reader reuses its buffer.
	// Dial's hello/welcome exchange does not use it. Default: every frame
	// is decoded.
	OnFrame func(data []byte) bool
}

// Conn is an open Switchboard connection. Its methods are safe for concurrent use.
type Conn struct {
	ws      *websocket.Conn
	binary  bool                   // cursor traffic in binary frames
	onFrame func(data []byte) bool // Options.OnFrame, nil for none
	welcome protocol.Event
	events  chan protocol.Event
	idBase  string
	nextID  atomic.Uint64

	// cancel stops the reader; done is closed when it has stopped.
	cancel context.CancelFunc
	done   chan struct{}

	mu         sync.Mutex
	pending    map[string]chan protocol.Event // answers awaited by Do, by command id
	err        error                          // why the connection ended
	rooms      map[string]bool                // rooms a Session joined on this connection
	joining    map[string]string              // join command id → room, until answered
	readyRooms map[string]bool                // rooms whose joined answer has arrived
	feeds      map[string]string              // feed command id → room, for rooms whose feed a Session asked for
}

// Dial connects to a Switchboard server at url (ws://, wss://, or in the
// browser a path such as "/ws"), sends hello and waits for welcome.
func Dial(ctx context.Context, url string, opts Options) (*Conn, error) {
	if opts.EventBuffer <= 0 {
		opts.EventBuffer = 1024
	}
	if opts.ReadLimit <= 0 {
		opts.ReadLimit = 16 << 20
	}
	ws, _, err := websocket.Dial(ctx, url, dialOptions(opts))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	ws.SetReadLimit(opts.ReadLimit)
	c := &Conn{
		ws:      ws,
		binary:  opts.Binary,
		onFrame: opts.OnFrame,
		events:  make(chan protocol.Event, opts.EventBuffer),
		idBase:  randomID(),
		done:    make(chan struct{}),
		pending: make(map[string]chan protocol.Event),
	}
	hello := protocol.Command{Type: protocol.CmdHello, ID: c.NewID(), Name: opts.Name, Session: opts.Session, Token: opts.Token, Binary: opts.Binary}
	if verr := hello.Validate(); verr != nil {
		ws.Close(websocket.StatusNormalClosure, "")
		return nil, verr
	}
	if err := c.write(ctx, &hello); err != nil {
		ws.CloseNow()
		return nil, err
	}
	ev, err := c.readEvent(ctx)
	if err != nil {
		ws.CloseNow()
		return nil, fmt.Errorf("wait for welcome: %w", err)
	}
	if ev.Type == protocol.EvBatch && len(ev.Events) > 0 {
		// The welcome came with more: keep the rest for Events.
		for _, more := range ev.Events[1:] {
			c.events <- more
		}
		ev = ev.Events[0]
	}
	switch ev.Type {
	case protocol.EvWelcome:
	case protocol.EvError:
		ws.Close(websocket.StatusNormalClosure, "")
		if ev.Error != nil {
			return nil, ev.Error
		}
		return nil, errors.New("hello refused")
	case protocol.EvClosing:
		ws.CloseNow()
		return nil, &CloseError{Code: ev.Code, Reason: ev.Text, Err: errors.New("closed before welcome")}
	default:
		ws.CloseNow()
		return nil, fmt.Errorf("expected welcome, got %q", ev.Type)
	}
	c.welcome = ev
	rctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go c.readLoop(rctx)
	return c, nil
}

// Welcome returns the server's welcome: the user it assigned, the session
// token to present next time, and its build id.
func (c *Conn) Welcome() protocol.Event { return c.welcome }

// Events delivers every event that is not the answer to a command sent with
// Do: room messages, presence, and errors the server sends unprompted. It is
// closed when the connection ends.
func (c *Conn) Events() <-chan protocol.Event { return c.events }

// Done is closed when the connection has ended; Err then says why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended, or nil while it is open.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// NewID returns a command id unique to this connection's client.
func (c *Conn) NewID() string {
	return fmt.Sprintf("%s-%d", c.idBase, c.nextID.Add(1))
}

// Do sends cmd and waits for the event that answers it. An empty cmd.ID gets
// a fresh id. An error event is returned as a *protocol.Error.
func (c *Conn) Do(ctx context.Context, cmd protocol.Command) (protocol.Event, error) {
	if cmd.ID == "" {
		cmd.ID = c.NewID()
	}
	if err := cmd.Validate(); err != nil {
		return protocol.Event{}, err
	}
	ch := make(chan protocol.Event, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return protocol.Event{}, err
	}
	c.pending[cmd.ID] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, cmd.ID)
		c.mu.Unlock()
	}()
	if err := c.write(ctx, &cmd); err != nil {
		return protocol.Event{}, err
	}
	select {
	case ev := <-ch:
		if ev.Type == protocol.EvError {
			if ev.Error == nil {
				return ev, errors.New("command failed")
			}
			return ev, ev.Error
		}
		return ev, nil
	case <-c.done:
		return protocol.Event{}, c.Err()
	case <-ctx.Done():
		return protocol.Event{}, ctx.Err()
	}
}

// Post sends cmd without waiting for an answer: for commands that have
// none (typing), or whose answer the caller reads from Events. An empty
// cmd.ID gets a fresh id.
func (c *Conn) Post(ctx context.Context, cmd protocol.Command) error {
	if cmd.ID == "" {
		cmd.ID = c.NewID()
	}
	if err := cmd.Validate(); err != nil {
		return err
	}
	return c.write(ctx, &cmd)
}

// Typing tells room that this person is typing. The server relays at most
// one signal per protocol.TypingInterval.
func (c *Conn) Typing(ctx context.Context, room string) error {
	return c.Post(ctx, protocol.Command{Type: protocol.CmdTyping, Room: room})
}

// Join enters room and returns the joined event (members, history).
func (c *Conn) Join(ctx context.Context, room string) (protocol.Event, error) {
	return c.Do(ctx, protocol.Command{Type: protocol.CmdJoin, Room: room})
}

// Leave leaves room.
func (c *Conn) Leave(ctx context.Context, room string) error {
	_, err := c.Do(ctx, protocol.Command{Type: protocol.CmdLeave, Room: room})
	return err
}

// Send posts text to room and returns the ack with the stored offset.
func (c *Conn) Send(ctx context.Context, room, text string) (protocol.Event, error) {
	return c.Do(ctx, protocol.Command{Type: protocol.CmdSend, Room: room, Text: text})
}

// Ping sends a protocol ping and waits for the pong.
func (c *Conn) Ping(ctx context.Context) error {
	_, err := c.Do(ctx, protocol.Command{Type: protocol.CmdPing})
	return err
}

// Close ends the connection with a normal closure and waits for the reader.
func (c *Conn) Close() error {
	c.fail(errClosed)
	c.ws.Close(websocket.StatusNormalClosure, "")
	c.cancel()
	<-c.done
	return nil
}

var errClosed = errors.New("connection closed by client")

// CloseCode returns the WebSocket close code in err, or -1 if err holds none.
func CloseCode(err error) protocol.CloseCode {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return protocol.CloseCode(websocket.CloseStatus(err))
}

func (c *Conn) readLoop(ctx context.Context) {
	defer close(c.done)
	defer close(c.events)
	defer c.cancel()
	var closing *protocol.Event
	var buf []byte
	for {
		typ, data, err := c.readFrame(buf)
		buf = data
		if cap(buf) > maxKeptBuffer {
			buf = nil // a large joined frame: do not keep its buffer
		}
		if err == nil && typ == websocket.MessageText && c.onFrame != nil && c.onFrame(data) {
			continue
		}
		var ev protocol.Event
		if err == nil {
			ev, err = decodeFrame(typ, data)
		}
		if err != nil {
			if closing != nil && websocket.CloseStatus(err) == -1 {
				// The library lost the close code (browsers): use the
				// one the server announced.
				err = &CloseError{Code: closing.Code, Reason: closing.Text, Err: err}
			}
			c.fail(err)
			return
		}
		events := []protocol.Event{ev}
		if ev.Type == protocol.EvBatch {
			events = ev.Events
		}
		for _, ev := range events {
			if ev.Type == protocol.EvClosing {
				closing = &ev
				continue
			}
			if ev.Ref != "" && c.answer(ev) {
				continue
			}
			select {
			case c.events <- ev:
			case <-ctx.Done():
				c.fail(ctx.Err())
				return
			}
		}
	}
}

// maxKeptBuffer bounds the read buffer a connection keeps between frames.
const maxKeptBuffer = 64 << 10

// readFrame reads the next frame (ReadFrame); Close and closeWith end a
// read in progress by closing the connection.
func (c *Conn) readFrame(buf []byte) (websocket.MessageType, []byte, error) {
	return ReadFrame(c.ws, buf)
}

// ReadFrame reads the next message of ws into buf's storage (grown as
// needed) and returns it: no allocation per message once buf is large
// enough. It reads without a context, so coder/websocket arms nothing per
// message (with a cancellable context it registers a callback on every
// read); closing ws ends a read in progress. The load generator's raw
// connections read with it too, so every server is read at the same cost.
func ReadFrame(ws *websocket.Conn, buf []byte) (websocket.MessageType, []byte, error) {
	typ, r, err := ws.Reader(context.Background())
	if err != nil {
		return 0, buf[:0], err
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return typ, buf, nil
		}
		if err != nil {
			return typ, buf, err
		}
	}
}

// CloseError is a connection end whose close code came in the server's
// closing event rather than from the WebSocket library.
type CloseError struct {
	Code   protocol.CloseCode
	Reason string
	Err    error
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("closed by the server (%d %s): %v", e.Code, e.Reason, e.Err)
}

func (e *CloseError) Unwrap() error { return e.Err }

// answer hands ev to the Do call waiting for it, if any.
func (c *Conn) answer(ev protocol.Event) bool {
	c.mu.Lock()
	ch, ok := c.pending[ev.Ref]
	c.mu.Unlock()
	if ok {
		ch <- ev // buffered, one answer per command
	}
	return ok
}

func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
}

func (c *Conn) readEvent(ctx context.Context) (protocol.Event, error) {
	typ, data, err := c.ws.Read(ctx)
	if err != nil {
		return protocol.Event{}, err
	}
	return decodeFrame(typ, data)
}

// decodeFrame decodes a text frame (JSON) or a binary one (cursor batches).
func decodeFrame(typ websocket.MessageType, data []byte) (protocol.Event, error) {
	if typ != websocket.MessageText {
		return protocol.DecodeBinaryEvent(data)
	}
	return protocol.DecodeEvent(data)
}

// writeTimeout bounds one write, so a stalled network surfaces as an error.
const writeTimeout = 10 * time.Second

func (c *Conn) write(ctx context.Context, cmd *protocol.Command) error {
	data, err := cmd.Encode()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
		return fmt.Errorf("send %s: %w", cmd.Type, err)
	}
	return nil
}

// joined and markJoined track, for a Session, the rooms joined on c.
func (c *Conn) joined(room string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rooms[room]
}

// markJoining records a join sent by a Session on c.
func (c *Conn) markJoining(id, room string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rooms == nil {
		c.rooms = make(map[string]bool)
		c.joining = make(map[string]string)
	}
	c.rooms[room] = true
	c.joining[id] = room
}

// forgetJoin makes a Session join room on c again (see Session.Join).
func (c *Conn) forgetJoin(room string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.rooms, room)
}

// joinAnswered reports whether ref answers a join sent by markJoining.
func (c *Conn) joinAnswered(ref string) (string, bool) {
	if ref == "" {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	room, ok := c.joining[ref]
	delete(c.joining, ref)
	return room, ok
}

// markReady records that room's joined answer arrived on c.
func (c *Conn) markReady(room string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readyRooms == nil {
		c.readyRooms = make(map[string]bool)
	}
	c.readyRooms[room] = true
}

// ready reports whether room's joined answer arrived on c.
func (c *Conn) ready(room string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readyRooms[room]
}

// closeWith ends the connection, recording err as the reason.
func (c *Conn) closeWith(err error) {
	c.fail(err)
	c.cancel()
	c.ws.CloseNow() // ends the reader's read
}

func randomID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// State is a Session's connection state, for people to see.
type State struct {
	// Phase is where the session is.
	Phase Phase
	// RetryAt is when the next attempt starts (Reconnecting).
	RetryAt time.Time
	// Err is why the last connection ended or failed, if it did.
	Err error
	// URL is the server connected to (Connected).
	URL string
}

// Phase is a step in a Session's life.
type Phase int

// The phases.
const (
	Connecting   Phase = iota // dialling
	Connected                 // rooms joined, outbox flushed, live
	Reconnecting              // waiting before the next attempt
	Offline                   // stopped for good: the server refused us (see Err)
)

func (p Phase) String() string {
	return [...]string{"connecting", "connected", "reconnecting", "offline"}[p]
}

// SessionOptions configure a Session. The zero value of each field means
// its default.
type SessionOptions struct {
	// URLs are the servers, tried in turn. Required.
	URLs []string
	// Name and Session are sent in every hello; Session is replaced by the
	// token of each welcome.
	Name, Session string
	// Token is a site's JWT sent in every hello (it names the person).
	Token string
	// Header is added to every handshake (native builds only).
	Header map[string][]string
	// Binary: see Options.Binary.
	Binary bool
	// MinBackoff and MaxBackoff bound the wait between attempts: full
	// jitter over an exponentially growing window. Defaults 0.5 s and 20 s.
	MinBackoff, MaxBackoff time.Duration
	// PingInterval is how often the session pings the server; a ping
	// without a pong within PingTimeout ends the connection, and the
	// session reconnects. Defaults 15 s and 10 s.
	PingInterval, PingTimeout time.Duration
	// Outbox persists unacknowledged sends. Default: memory only.
	Outbox OutboxStore
	// OnState is called (from the session's goroutine) on every state change.
	OnState func(State)
	// OnWelcome is called after every welcome (new session token, boot id).
	OnWelcome func(protocol.Event)
}

// Session keeps a Switchboard connection alive: it reconnects with backoff,
// rejoins its rooms from the last position it has (so the server replays
// exactly what was missed), drops events it already has, and sends its
// outbox with stable ids until each send is acknowledged (stored once).
//
// Run owns the connection; the other methods are safe for concurrent use.
type Session struct {
	opts   SessionOptions
	events chan protocol.Event
	kick   chan struct{}

	mu     sync.Mutex
	conn   *Conn
	rooms  map[string]*position // rooms to be in, with what we have of them
	outbox []protocol.Command
	state  State
	wake   chan struct{} // signalled when there is work for the connection
}

// NewSession returns a session; call Run to connect.
func NewSession(opts SessionOptions) *Session {
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 20 * time.Second
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = 15 * time.Second
	}
	if opts.PingTimeout <= 0 {
		opts.PingTimeout = 10 * time.Second
	}
	s := &Session{
		opts:   opts,
		events: make(chan protocol.Event, 1024),
		kick:   make(chan struct{}, 1),
		rooms:  make(map[string]*position),
		wake:   make(chan struct{}, 1),
	}
	if opts.Outbox != nil {
		s.outbox = opts.Outbox.Load()
	}
	return s
}

// Events delivers room events without duplicates (each stored event once,
// in order per room), joined events (Recovered false means: replace what
// you have of the room with its Events), presence, typing, rooms, acks of
// outbox sends, and errors about them. Closed when Run returns.
func (s *Session) Events() <-chan protocol.Event { return s.events }

// State returns the current connection state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// RetryNow skips the wait before the next attempt (the browser calls it
// when it goes online or the tab becomes visible).
func (s *Session) RetryNow() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Join adds room to the session; it is joined now if connected, and on
// every reconnect, resuming from the last event received. A room the
// session watched is entered instead (joined again, present).
func (s *Session) Join(room string) {
	s.mu.Lock()
	pos, ok := s.rooms[room]
	switch {
	case !ok:
		s.rooms[room] = &position{}
	case pos.watch:
		pos.watch = false
		if s.conn != nil {
			s.conn.forgetJoin(room) // join again, now present
		}
	}
	s.mu.Unlock()
	s.signal()
}

// Watch adds room to the session as Join does, but only to follow it: its
// events come as to a member, while the person is not present in it (no
// presence, not listed among its members). For a room list's unread
// counts. Watching a room already joined changes nothing.
func (s *Session) Watch(room string) {
	s.mu.Lock()
	if _, ok := s.rooms[room]; !ok {
		s.rooms[room] = &position{watch: true}
	}
	s.mu.Unlock()
	s.signal()
}

// Leave removes room from the session.
func (s *Session) Leave(ctx context.Context, room string) {
	s.mu.Lock()
	delete(s.rooms, room)
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		c.Leave(ctx, room)
	}
}

// Do runs cmd on the current connection (history pages, typing, rooms).
// It fails at once when not connected.
func (s *Session) Do(ctx context.Context, cmd protocol.Command) (protocol.Event, error) {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c == nil {
		return protocol.Event{}, ErrNotConnected
	}
	return c.Do(ctx, cmd)
}

// Post sends cmd on the current connection without waiting for an answer.
func (s *Session) Post(ctx context.Context, cmd protocol.Command) error {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c == nil {
		return ErrNotConnected
	}
	return c.Post(ctx, cmd)
}

// RefusedError means the server refused the hello (a bad nickname, say):
// retrying as is cannot help.
type RefusedError struct{ Err *protocol.Error }

func (e *RefusedError) Error() string { return "refused: " + e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

// ErrNotConnected is returned by Do and Post between connections.
var ErrNotConnected = errors.New("not connected")

// Run connects and reconnects until ctx ends or the server refuses the
// session for good (a close code that must not be retried), and returns why.
func (s *Session) Run(ctx context.Context) error {
	defer close(s.events)
	attempt := 0
	for i := 0; ; i++ {
		url := s.opts.URLs[i%len(s.opts.URLs)]
		s.setState(State{Phase: Connecting, URL: url})
		err := s.connectOnce(ctx, url, func() { attempt = 0 })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var refused *RefusedError
		if code := CloseCode(err); (code != -1 && !code.Reconnect()) || errors.As(err, &refused) {
			s.setState(State{Phase: Offline, Err: err})
			return err
		}
		attempt++
		wait := s.backoff(attempt)
		s.setState(State{Phase: Reconnecting, RetryAt: time.Now().Add(wait), Err: err})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-s.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// backoff is full jitter: uniform in [min, min(max, min·2^attempt)).
func (s *Session) backoff(attempt int) time.Duration {
	window := s.opts.MinBackoff << min(attempt, 16)
	if window > s.opts.MaxBackoff || window <= 0 {
		window = s.opts.MaxBackoff
	}
	return s.opts.MinBackoff + rand.N(window-s.opts.MinBackoff+1)
}

// connectOnce runs one connection until it ends.
func (s *Session) connectOnce(ctx context.Context, url string, connected func()) error {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	s.mu.Lock()
	token := s.opts.Session
	s.mu.Unlock()
	c, err := Dial(dctx, url, Options{Name: s.opts.Name, Session: token, Token: s.opts.Token, Header: s.opts.Header, Binary: s.opts.Binary})
	cancel()
	var perr *protocol.Error
	if errors.As(err, &perr) {
		return &RefusedError{Err: perr}
	}
	if err != nil {
		return err
	}
	welcome := c.Welcome()
	s.mu.Lock()
	if welcome.Session != "" {
		s.opts.Session = welcome.Session
	}
	s.mu.Unlock()
	if s.opts.OnWelcome != nil {
		s.opts.OnWelcome(welcome)
	}

	cctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		// In this order: stop the pump, end the connection, wait.
		stop()
		c.Close()
		wg.Wait()
	}()
	wg.Go(func() {
		defer stop()
		s.pump(cctx, c)
	})
	// Rejoin every room from where we are, then go live.
	if err := s.syncRooms(cctx, c); err != nil {
		return s.ended(c, err)
	}
	s.mu.Lock()
	s.conn = c
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.conn = nil
		s.mu.Unlock()
	}()
	s.setState(State{Phase: Connected, URL: url})
	connected()
	ping := time.NewTicker(s.opts.PingInterval)
	defer ping.Stop()
	for {
		if err := s.syncRooms(cctx, c); err != nil {
			return s.ended(c, err)
		}
		if err := s.syncFeeds(cctx, c); err != nil {
			return s.ended(c, err)
		}
		var retry <-chan time.Time
		if err := s.flushOutbox(cctx, c); errors.Is(err, errSlowDown) {
			t := time.NewTimer(rateLimitPause)
			defer t.Stop()
			retry = t.C
		} else if err != nil {
			return s.ended(c, err)
		}
		select {
		case <-cctx.Done():
			return s.ended(c, cctx.Err())
		case <-retry:
		case <-s.wake:
		case <-ping.C:
			pctx, cancel := context.WithTimeout(cctx, s.opts.PingTimeout)
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				// The server went silent: drop the connection at once
				// (a closing handshake would wait for an answer that
				// cannot come) and reconnect.
				c.closeWith(errNoPong)
				return s.ended(c, err)
			}
		}
	}
}

// ended returns the reason a connection ended: its close error if the
// server closed it, else err.
func (s *Session) ended(c *Conn, err error) error {
	select {
	case <-c.Done():
		if cerr := c.Err(); cerr != nil {
			return cerr
		}
	default:
	}
	return err
}

var errStoreUnavailable = errors.New("the server's message store is unavailable")

var errNoPong = errors.New("the server did not answer a ping in time")

// errSlowDown means the server rate-limited a send: the outbox pauses for
// rateLimitPause and tries again, keeping the order.
var errSlowDown = errors.New("rate limited")

const rateLimitPause = 500 * time.Millisecond

// pump passes c's events on in order: answers to joins, and stored events
// it has not seen yet. A position moves only once its event is handed to
// the app: an event cut off by the connection's end is asked for again on
// the next one, never skipped.
func (s *Session) pump(ctx context.Context, c *Conn) {
	for {
		var ev protocol.Event
		select {
		case <-ctx.Done():
			return
		case e, ok := <-c.Events():
			if !ok {
				return
			}
			ev = e
		}
		if room, ok := c.joinAnswered(ev.Ref); ok {
			if ev.Type == protocol.EvError {
				if !s.joinFailed(ctx, c, room, ev) {
					return
				}
				continue
			}
			if !s.emit(ctx, ev) {
				return
			}
			s.applyJoined(ev)
			c.markReady(room)
			s.signal() // the outbox may hold sends for this room, or its feed is wanted
			continue
		}
		if room, ok := c.feedAnswered(ev.Ref); ok {
			if ev.Type == protocol.EvError && ev.Error != nil && ev.Error.Code == protocol.CodeUnavailable {
				c.closeWith(errStoreUnavailable) // ask again on the next connection
				return
			}
			ev.Room = room
			if !s.emit(ctx, ev) {
				return
			}
			s.applyFeed(ev)
			continue
		}
		if ev.Type == protocol.EvKicked {
			// Removed by a moderator: do not walk back in, neither on
			// reconnect nor to deliver what was queued for the room.
			perr := protocol.Errorf(protocol.CodeForbidden, "a moderator removed you from %q", ev.Room)
			if !s.dropRoom(ctx, ev.Room, perr, &ev) {
				return
			}
			continue
		}
		logged := ev.Type == protocol.EvPoints || ev.Offset != 0
		if logged && s.epochMoved(ev) {
			// The room's history was lost or made anew while we were
			// in it: rejoin from our position, which the server answers
			// with recovered=false and the new history.
			c.closeWith(errEpochChanged)
			return
		}
		if logged && s.seen(ev) {
			continue // a duplicate
		}
		if !s.emit(ctx, ev) {
			return
		}
		if logged {
			s.advance(ev)
		}
	}
}

var errEpochChanged = errors.New("the room's history was lost or made anew; rejoining")

// emit hands ev to the app. It gives up only when ctx ends and the app's
// queue is full: while there is room, ev is delivered even if ctx has
// ended meanwhile.
func (s *Session) emit(ctx context.Context, ev protocol.Event) bool {
	select {
	case s.events <- ev:
		return true
	default:
	}
	select {
	case s.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Session) setState(st State) {
	s.mu.Lock()
	s.state = st
	s.mu.Unlock()
	if s.opts.OnState != nil {
		s.opts.OnState(st)
	}
}

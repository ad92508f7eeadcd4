package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// connState is where a session is in its connection's life.
type connState int

const (
	// stateConnecting: dialing, saying hello, or joining the room.
	stateConnecting connState = iota
	// stateConnected: in the room; messages flow.
	stateConnected
	// stateWaiting: the last attempt failed; the next one starts in RetryIn
	// seconds, or at once on Wake.
	stateWaiting
	// stateStopped: the session does not reconnect by itself (the server
	// refused for a reason a retry cannot fix); only Wake tries again.
	stateStopped
)

// connStatus is what the page shows about the connection.
type connStatus struct {
	State connState
	// RetryIn is the number of seconds until the next attempt (stateWaiting).
	RetryIn int
	// Reason says in plain words why the last connection ended, if known.
	Reason string
	// Resumed is true when a connection was established before in this
	// session: the page says "Reconnecting" instead of "Connecting".
	Resumed bool
}

// sessionObserver receives what a session sees. Its methods are called on the
// session goroutine, one at a time, in the order things happened; they must
// not block (the room page hands each call to ctx.Dispatch).
type sessionObserver interface {
	// status reports a change of connection state.
	status(connStatus)
	// welcome reports who the server says we are and the token to store.
	// newBoot is true when the server's build changed since the session's
	// first welcome (a deploy or, in development, a rebuild).
	welcome(me protocol.User, token string, newBoot bool)
	// joined reports the room's members and the messages to show; with reset
	// they replace every message shown so far, otherwise they follow them.
	joined(ev protocol.Event, msgs []protocol.Event, reset bool)
	// message reports a new room message (duplicates are already dropped).
	message(ev protocol.Event)
	// presence reports people who came and went.
	presence(ev protocol.Event)
	// serverError reports an error the server sent that no command awaited.
	serverError(*protocol.Error)
	// sent reports that the message queued as id was stored.
	sent(id string, ack protocol.Event)
	// sendFailed reports that the message queued as id was refused. With
	// dropped it left the queue (the person must edit it); otherwise the
	// session tries again later.
	sendFailed(id string, err *protocol.Error, dropped bool)
	// stopped reports that the session ended for a reason that needs the
	// person: the nickname was refused or is taken, or the room name is
	// invalid. Run returns after it.
	stopped(err *protocol.Error)
}

// sessionConfig configures a session. Zero values mean the defaults.
type sessionConfig struct {
	// URL is the WebSocket endpoint. Default "/ws" (relative to the page).
	URL string
	// Room is the room to join. Required.
	Room string
	// Name is the nickname sent in hello. Required.
	Name string
	// Session is the token to present in hello; the welcome's token replaces it.
	Session string
	// Resume is the position to resume the room from (the last message the
	// page shows). Zero means start from the room's recent history.
	Resume position
	// Outbox holds messages a previous session queued and did not get
	// acknowledged; they are sent first, with their ids.
	Outbox []outgoing
	// Observer receives what the session sees. Required before Run (it may
	// be set on the session after newSession).
	Observer sessionObserver
	// Backoff returns the wait before reconnect attempt n (0-based).
	// Default fullJitter.
	Backoff func(attempt int) time.Duration
	// PingEvery is the interval of protocol pings on an idle connection.
	// Default 20 s. The browser cannot send WebSocket pings, and a dead
	// network path is only noticed by a command that gets no answer.
	PingEvery time.Duration
	// Timeout bounds a dial, a join and a ping. Default 10 s.
	Timeout time.Duration
	// SendRetry is the pause before resending a message the server refused
	// for a passing reason (rate limited, store unavailable). Default 2 s.
	SendRetry time.Duration
}

// session keeps one room connection alive: it dials, joins, reads events,
// sends queued messages, pings, and reconnects with backoff, resuming from
// the last message it has. Run is its goroutine; every other method is safe
// to call from any goroutine and never blocks.
type session struct {
	cfg sessionConfig
	obs sessionObserver

	// wake asks for an attempt now (or a liveness check when connected).
	wake chan struct{}
	// kick says the outbox has a new message.
	kick chan struct{}

	idBase string
	nextID atomic.Uint64

	outboxMu sync.Mutex
	outbox   []outgoing // messages not yet acknowledged, oldest first

	// Owned by the Run goroutine.
	token     string
	boot      string
	pos       position
	connected bool // a join succeeded at least once
}

// outgoing is a queued message. Its id is the command id, kept across
// reconnects so that a resend is stored once (idempotent send).
type outgoing struct {
	id   string
	text string
}

func newSession(cfg sessionConfig) *session {
	if cfg.URL == "" {
		cfg.URL = wsPath
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(n int) time.Duration { return fullJitter(n, nil) }
	}
	if cfg.PingEvery <= 0 {
		cfg.PingEvery = 20 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.SendRetry <= 0 {
		cfg.SendRetry = 2 * time.Second
	}
	var b [6]byte
	rand.Read(b[:])
	return &session{
		cfg:    cfg,
		obs:    cfg.Observer,
		wake:   make(chan struct{}, 1),
		kick:   make(chan struct{}, 1),
		idBase: "m" + hex.EncodeToString(b[:]),
		token:  cfg.Session,
		pos:    cfg.Resume,
		outbox: slices.Clone(cfg.Outbox),
	}
}

// Wake asks the session to try to connect now instead of waiting, or, when
// connected, to check at once that the connection still answers. The page
// calls it for "Retry now", the browser's online event and a tab that
// becomes visible.
func (s *session) Wake() { signal(s.wake) }

// Send queues text for the room and returns the id it will be sent with.
// The text must already be valid (protocol.ValidateText). Queued messages
// are sent in order as soon as the session is connected.
func (s *session) Send(text string) string {
	id := s.idBase + "-" + strconv.FormatUint(s.nextID.Add(1), 10)
	s.outboxMu.Lock()
	s.outbox = append(s.outbox, outgoing{id: id, text: text})
	s.outboxMu.Unlock()
	signal(s.kick)
	return id
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Run connects and stays connected until ctx is cancelled or the server
// refuses for a reason a retry cannot fix (then it calls obs.stopped and
// returns). The caller owns the goroutine that runs it.
func (s *session) Run(ctx context.Context) {
	attempt := 0
	for ctx.Err() == nil {
		s.obs.status(connStatus{State: stateConnecting, Resumed: s.connected})
		joined, err := s.connectOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if joined {
			attempt = 0
		}
		var perr *protocol.Error
		if errors.As(err, &perr) && stops(perr) {
			s.obs.stopped(perr)
			return
		}
		reason := endReason(err)
		code := client.CloseCode(err)
		if code == protocol.CloseUnauthorized && s.token != "" {
			// The token was refused: come back as a new user.
			s.token = ""
		} else if code > 0 && !code.Reconnect() {
			s.obs.status(connStatus{State: stateStopped, Reason: reason, Resumed: s.connected})
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
				continue
			}
		}
		if !s.wait(ctx, s.cfg.Backoff(attempt), reason) {
			return
		}
		attempt++
	}
}

// stops reports whether a refusal needs the person before a retry can work.
func stops(err *protocol.Error) bool {
	switch err.Code {
	case protocol.CodeInvalidName, protocol.CodeNameTaken, protocol.CodeInvalidRoom:
		return true
	}
	return false
}

// wait shows a countdown for d, and returns true when it is over or on Wake,
// false when ctx is cancelled.
func (s *session) wait(ctx context.Context, d time.Duration, reason string) bool {
	deadline := time.Now().Add(d)
	timer := time.NewTimer(d)
	defer timer.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		s.obs.status(connStatus{
			State:   stateWaiting,
			RetryIn: max(1, ceilSeconds(time.Until(deadline))),
			Reason:  reason,
			Resumed: s.connected,
		})
		select {
		case <-ctx.Done():
			return false
		case <-s.wake:
			return true
		case <-timer.C:
			return true
		case <-tick.C:
		}
	}
}

// connectOnce runs one connection: dial, hello, join, then serve until it
// ends. joined reports whether the join succeeded.
func (s *session) connectOnce(ctx context.Context) (joined bool, err error) {
	dctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	conn, err := client.Dial(dctx, s.cfg.URL, client.Options{Name: s.cfg.Name, Session: s.token})
	cancel()
	if err != nil {
		var perr *protocol.Error
		if errors.As(err, &perr) && !stops(perr) && s.token != "" {
			// The server refused the hello, and not for the name: most
			// likely the token (expired, or signed with an old key). Come
			// back as a new user rather than fail forever.
			s.token = ""
		}
		return false, err
	}
	defer conn.Close()

	w := conn.Welcome()
	if w.Session != "" {
		s.token = w.Session
	}
	var me protocol.User
	if w.User != nil {
		me = *w.User
	}
	newBoot := s.boot != "" && w.Boot != "" && w.Boot != s.boot
	if s.boot == "" {
		s.boot = w.Boot
	}
	s.obs.welcome(me, s.token, newBoot)

	if err := s.join(ctx, conn); err != nil {
		return false, err
	}
	s.connected = true
	s.obs.status(connStatus{State: stateConnected, Resumed: true})
	return true, s.serve(ctx, conn)
}

// join enters the room, resuming from s.pos when there is one.
func (s *session) join(ctx context.Context, conn *client.Conn) error {
	cmd := protocol.Command{Type: protocol.CmdJoin, Room: s.cfg.Room}
	if s.pos.resumable() {
		cmd.Epoch, cmd.Offset = s.pos.Epoch, s.pos.Offset
	}
	jctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	ev, err := conn.Do(jctx, cmd)
	if err != nil {
		return fmt.Errorf("join %q: %w", s.cfg.Room, err)
	}
	msgs, reset := s.pos.join(ev)
	s.obs.joined(ev, msgs, reset)
	return nil
}

// serve reads events until the connection ends or ctx is cancelled, while a
// sender goroutine drains the outbox and a pinger checks liveness. Both
// helpers end before serve returns.
func (s *session) serve(ctx context.Context, conn *client.Conn) error {
	// A wake that arrived while connecting is stale.
	select {
	case <-s.wake:
	default:
	}
	hctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	pingErr := make(chan error, 1)
	wg.Go(func() { s.sendLoop(hctx, conn) })
	wg.Go(func() { pingErr <- s.pingLoop(hctx, conn) })

	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-pingErr:
			if err != nil {
				return err
			}
		case ev, ok := <-conn.Events():
			if !ok {
				return conn.Err()
			}
			s.handle(ev)
		}
	}
}

// handle passes one unprompted event to the observer.
func (s *session) handle(ev protocol.Event) {
	if ev.Room != "" && ev.Room != s.cfg.Room {
		return
	}
	switch ev.Type {
	case protocol.EvMessage:
		if s.pos.accept(ev) {
			s.obs.message(ev)
		}
	case protocol.EvPresence:
		s.obs.presence(ev)
	case protocol.EvError:
		if ev.Error != nil {
			s.obs.serverError(ev.Error)
		}
	}
}

// errNoPong ends a connection whose server stopped answering pings.
var errNoPong = errors.New("the server stopped answering")

// pingLoop sends a protocol ping every PingEvery, and at once on Wake, and
// returns errNoPong when one gets no answer within Timeout.
func (s *session) pingLoop(ctx context.Context, conn *client.Conn) error {
	t := time.NewTicker(s.cfg.PingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.wake:
		}
		pctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		err := conn.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return errNoPong
		}
		if err != nil {
			return nil // the connection ended; serve sees Events close
		}
	}
}

// sendLoop sends the outbox in order, one message at a time. A message leaves
// the outbox when it is acknowledged or refused for good; when the connection
// fails it stays, and the next connection sends it again with the same id.
func (s *session) sendLoop(ctx context.Context, conn *client.Conn) {
	for {
		m, ok := s.peek()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-s.kick:
				continue
			}
		}
		ack, err := conn.Do(ctx, protocol.Command{Type: protocol.CmdSend, ID: m.id, Room: s.cfg.Room, Text: m.text})
		var perr *protocol.Error
		switch {
		case err == nil:
			s.remove(m.id)
			s.obs.sent(m.id, ack)
		case errors.As(err, &perr) && passing(perr):
			s.obs.sendFailed(m.id, perr, false)
			select {
			case <-ctx.Done():
				return
			case <-time.After(s.cfg.SendRetry):
			}
		case errors.As(err, &perr):
			s.remove(m.id)
			s.obs.sendFailed(m.id, perr, true)
		default:
			return // the connection failed; serve notices and reconnects
		}
	}
}

// passing reports whether a refused send may succeed unchanged later.
func passing(err *protocol.Error) bool {
	switch err.Code {
	case protocol.CodeRateLimited, protocol.CodeUnavailable:
		return true
	}
	return false
}

func (s *session) peek() (outgoing, bool) {
	s.outboxMu.Lock()
	defer s.outboxMu.Unlock()
	if len(s.outbox) == 0 {
		return outgoing{}, false
	}
	return s.outbox[0], true
}

func (s *session) remove(id string) {
	s.outboxMu.Lock()
	defer s.outboxMu.Unlock()
	for i, m := range s.outbox {
		if m.id == id {
			s.outbox = append(s.outbox[:i], s.outbox[i+1:]...)
			return
		}
	}
}

// endReason says in plain words why a connection attempt or a connection
// ended, for the status line. It is empty when nothing useful is known.
func endReason(err error) string {
	var perr *protocol.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &perr):
		return plainError(perr)
	case errors.Is(err, errNoPong):
		return "The server stopped answering."
	case errors.Is(err, context.DeadlineExceeded):
		return "The server did not answer in time."
	}
	switch client.CloseCode(err) {
	case protocol.CloseGoingAway, protocol.CloseRestart:
		return "The server is restarting."
	case protocol.CloseTryAgainLater:
		return "The server is busy."
	case protocol.CloseSlowConsumer:
		return "The connection was too slow to keep up."
	case protocol.CloseHeartbeatTimeout:
		return "The connection went quiet."
	case protocol.CloseUnauthorized:
		return "The server did not accept this browser's session."
	case protocol.CloseProtocolViolation, protocol.ClosePolicy:
		return "The server closed the connection: this app may be out of date. Reload the page."
	}
	return "Cannot reach the server."
}

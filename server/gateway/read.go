package gateway

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/identity"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// hubTimeout bounds one command's work in the hub (store round trips).
const hubTimeout = 10 * time.Second

// readLoop reads frames for the connection's whole life, so pings, pongs and
// closes are always seen. The first frame must be hello. It returns true
// when the reader has parked: run is called again when bytes arrive.
func (c *conn) readLoop() (parked bool) {
	if c.helloTimer == nil {
		c.helloTimer = time.AfterFunc(c.g.opts.HelloTimeout, func() {
			if !c.greeted.Load() {
				c.closeWith(protocol.CloseHelloTimeout, "no hello")
			}
		})
	}
	for {
		ready, parked := c.awaitOrPark()
		if parked {
			return true
		}
		if ready && c.skipPong() {
			continue
		}
		if !c.screen(ready) {
			return false
		}
		if !c.readCommand(&c.badFrames) {
			return false
		}
	}
}

// readCommand reads and handles one frame; false ends the connection. bad
// counts the invalid frames in a row.
func (c *conn) readCommand(bad *int) bool {
	typ, data, err := c.read()
	if errors.Is(err, errTooBig) {
		c.closeWith(protocol.CloseTooBig, "frame larger than the limit")
		return false
	}
	if err != nil {
		c.readFailed(err)
		return false
	}
	var cmd protocol.Command
	var perr *protocol.Error
	if typ != websocket.MessageText {
		// Binary frames carry cursor updates only (protocol binary.go).
		cmd, perr = protocol.DecodeBinaryCommand(data)
	} else {
		var derr error
		cmd, derr = protocol.DecodeCommand(data)
		if errors.Is(derr, protocol.ErrInvalidUTF8) {
			c.closeWith(protocol.CloseInvalidData, "text frame is not valid UTF-8")
			return false
		}
		errors.As(derr, &perr)
	}
	if perr != nil {
		c.reject(cmd.ID, perr)
		if *bad++; *bad >= c.g.opts.MaxBadFrames {
			c.closeWith(protocol.CloseProtocolViolation, "too many invalid frames")
			return false
		}
		return true
	}
	*bad = 0 // MaxBadFrames counts a run: a valid frame ends it
	return c.handle(cmd)
}

var errTooBig = errors.New("frame too big")

// read reads one message, at most MaxFrameBytes of it: the reader stops at
// the limit (never buffering more, whatever length the header claims) and
// the writer announces and sends the 1009 close itself. With
// permessage-deflate the limit counts inflated bytes, read through the
// library's flate reader a window at a time, so a small compressed frame
// that would inflate to gigabytes (a deflate bomb) stops at the limit too.
func (c *conn) read() (websocket.MessageType, []byte, error) {
	typ, r, err := c.ws.Reader(c.readCtx)
	if err != nil {
		return typ, nil, err
	}
	c.earlyPending = false
	data, err := io.ReadAll(io.LimitReader(r, c.g.opts.MaxFrameBytes+1))
	if err != nil {
		return typ, nil, err
	}
	c.g.opts.Metrics.BytesIn.Add(float64(len(data)))
	if int64(len(data)) > c.g.opts.MaxFrameBytes {
		return typ, nil, errTooBig
	}
	return typ, data, nil
}

// readFailed records why reading stopped.
func (c *conn) readFailed(err error) {
	switch {
	case websocket.CloseStatus(err) != -1:
		// The peer closed; answer with the same code. (The metric labels
		// codes the peer made up as "other": see metrics.Closed.)
		c.closeWith(protocol.CloseCode(websocket.CloseStatus(err)), "")
	case c.ctx.Err() != nil || c.readCtx.Err() != nil:
		// Closing for a reason already recorded.
	default:
		// The peer is gone, or broke a rule the library refused (it
		// has sent its own close frame, 1002 or 1007): a closing
		// handshake cannot complete; end the connection without one.
		c.readBroken.Store(true)
		c.dropOnClose.Store(true)
		c.closeWith(protocol.CloseGoingAway, "connection lost")
	}
}

// handle runs one valid command. It returns false when the connection must end.
func (c *conn) handle(cmd protocol.Command) bool {
	switch {
	case cmd.Type == protocol.CmdHello:
		if c.user.Name != "" {
			c.reject(cmd.ID, protocol.Errorf(protocol.CodeHelloRepeated, "hello was already sent on this connection; to change names, open a new connection"))
			return true
		}
		c.hello(cmd)
		return true
	case !c.greeted.Load():
		c.reject(cmd.ID, protocol.Errorf(protocol.CodeNotHello, "send hello first"))
		c.closeWith(protocol.CloseProtocolViolation, "hello required")
		return false
	case c.user.Name == "" && cmd.Type != protocol.CmdRooms && cmd.Type != protocol.CmdPing:
		c.reject(cmd.ID, protocol.Errorf(protocol.CodeNameRequired, "choose a nickname first (hello with a name)"))
		return true
	}
	if cmd.Type == protocol.CmdCursor && !c.cursors.Allow() {
		// Over the rate: kept as the pending position (latest wins),
		// relayed at the next allowance.
		c.deferCursor(cmd)
		return true
	}
	if perr := c.limit(cmd); perr != nil {
		c.reject(cmd.ID, perr)
		return true
	}
	ctx, cancel := context.WithTimeout(c.ctx, hubTimeout)
	defer cancel()
	var (
		ans  protocol.Event
		perr *protocol.Error
	)
	switch cmd.Type {
	case protocol.CmdJoin:
		// The hub queues joined itself, in order with the room's events.
		if perr = c.g.hub.Join(ctx, c, cmd); perr == nil {
			return true
		}
	case protocol.CmdRooms:
		c.g.hub.WatchRooms(c, cmd.ID) // answered by the hub, then kept up to date
		return true
	case protocol.CmdCursor:
		if perr = c.cursor(cmd); perr == nil {
			return true // ephemeral: no answer
		}
	case protocol.CmdFeed:
		// The hub queues the feed answer itself, in order with its points.
		if perr = c.g.hub.Feed(ctx, c, cmd); perr == nil {
			return true
		}
	case protocol.CmdPoints:
		ans, perr = c.g.hub.PublishPoints(ctx, c, cmd)
	case protocol.CmdTyping:
		if perr = c.g.hub.Typing(c, cmd); perr == nil {
			return true // a hint: no answer
		}
	case protocol.CmdLeave:
		if !c.g.hub.Leave(c, cmd.Room) {
			perr = protocol.Errorf(protocol.CodeNotJoined, "you are not in room %q", cmd.Room)
		}
		ans = protocol.Event{Type: protocol.EvLeft, Ref: cmd.ID, Room: cmd.Room}
	case protocol.CmdSend:
		if cmd.Attachment != nil || cmd.Target != 0 {
			// The attachment or the message replied to is looked up
			// first: wait for it.
			ans, perr = c.g.hub.Send(ctx, c, cmd)
			break
		}
		// Stored in the background, in order: the next frame is read at once.
		id := cmd.ID
		c.g.hub.SendAsync(c, cmd, func(ack protocol.Event, perr *protocol.Error) {
			if perr != nil {
				c.reject(id, perr)
				return
			}
			c.send(&ack)
		})
		return true
	case protocol.CmdEdit:
		ans, perr = c.g.hub.Edit(ctx, c, cmd)
	case protocol.CmdDelete:
		ans, perr = c.g.hub.Delete(ctx, c, cmd)
	case protocol.CmdReact, protocol.CmdUnreact:
		ans, perr = c.g.hub.React(ctx, c, cmd)
	case protocol.CmdResolve, protocol.CmdReopen:
		ans, perr = c.g.hub.Resolve(ctx, c, cmd)
	case protocol.CmdHistory:
		ans, perr = c.g.hub.History(ctx, c, cmd)
	case protocol.CmdKick, protocol.CmdBan:
		ans, perr = c.g.hub.Kick(ctx, c, cmd)
	case protocol.CmdPrivate, protocol.CmdPublic:
		ans, perr = c.g.hub.SetPrivate(ctx, c, cmd)
	case protocol.CmdRefresh:
		ans, perr = c.refresh(cmd)
	case protocol.CmdPing:
		ans = protocol.Event{Type: protocol.EvPong, Ref: cmd.ID}
	}
	if perr != nil {
		c.reject(cmd.ID, perr)
		return true
	}
	c.send(&ans)
	return true
}

// hello sets who the connection is: the person named in the session token
// if it is valid and for the same nickname, else a new person. A hello
// without a name makes an observer, who may say hello again with one.
func (c *conn) hello(cmd protocol.Command) {
	if cmd.Token != "" {
		c.helloWithToken(cmd)
		return
	}
	if cmd.Name == "" {
		c.greeted.Store(true)
		c.send(&protocol.Event{Type: protocol.EvWelcome, Ref: cmd.ID, Boot: c.g.opts.Boot})
		return
	}
	name, perr := protocol.NormalizeNickname(cmd.Name)
	if perr != nil {
		c.reject(cmd.ID, perr)
		return
	}
	id := ""
	if cmd.Session != "" {
		if claims, err := c.g.sessions.Verify(cmd.Session); err == nil && protocol.SameName(claims.Name, name) {
			id = claims.UserID
		}
	}
	if id == "" {
		id = identity.NewUserID()
	}
	c.identify(cmd, protocol.User{ID: id, Name: name}, hub.Access{},
		c.g.sessions.Sign(identity.Claims{UserID: id, Name: name}))
}

// identify makes the connection u's and welcomes it.
func (c *conn) identify(cmd protocol.Command, u protocol.User, a hub.Access, session string) {
	if hk := c.g.opts.ConnectHook; hk != nil {
		ctx, cancel := context.WithTimeout(c.ctx, hubTimeout)
		perr := hk.Connect(ctx, u)
		cancel()
		if perr != nil {
			c.reject(cmd.ID, perr)
			return
		}
	}
	if !c.g.admit.identify(u.ID) {
		c.reject(cmd.ID, protocol.Errorf(protocol.CodeRateLimited, "you have %d connections open already", c.g.opts.MaxConnsPerUser))
		c.closeWith(protocol.CloseTryAgainLater, "too many connections for this person")
		return
	}
	c.user, c.access = u, a
	c.binary.Store(cmd.Binary)
	c.greeted.Store(true)
	c.send(&protocol.Event{Type: protocol.EvWelcome, Ref: cmd.ID, User: &u, Session: session, Boot: c.g.opts.Boot})
	c.g.log.Info("connection identified", "conn", c.id, "remote", c.remote, "user", u.ID, "role", u.Role)
}

// AdminUserID and AdminName are the person the admin token signs in:
// no other id has this form (anonymous ids start with u, site tokens'
// with j), and a nickname in the hello replaces the name.
const (
	AdminUserID = "admin"
	AdminName   = "Admin"
)

// helloWithToken identifies the connection by a site's JWT, or by the
// admin token (Options.AdminToken). A bad token closes the connection
// with 4501; a JWT's expiry closes it with 4502 unless a refresh comes
// first.
func (c *conn) helloWithToken(cmd protocol.Command) {
	if admin := c.g.opts.AdminToken; admin != "" && subtle.ConstantTimeCompare([]byte(cmd.Token), []byte(admin)) == 1 {
		name := AdminName
		if n, perr := protocol.NormalizeNickname(cmd.Name); cmd.Name != "" && perr == nil {
			name = n
		}
		c.identify(cmd, protocol.User{ID: AdminUserID, Name: name, Role: protocol.RoleAdmin}, hub.Access{Role: protocol.RoleAdmin}, "")
		return
	}
	p, err := c.g.opts.Tokens.Verify(cmd.Token)
	if err != nil {
		c.g.log.Info("token refused", "conn", c.id, "remote", c.remote, "why", err.Error())
		c.reject(cmd.ID, protocol.Errorf(protocol.CodeTokenInvalid, "the sign-in token was refused: %s", tokenProblem(err)))
		c.closeWith(protocol.CloseUnauthorized, "token refused")
		return
	}
	c.identify(cmd, protocol.User{ID: p.UserID, Name: p.Name, Role: p.Role}, hub.Access{Role: p.Role, Rooms: p.Rooms}, "")
	if c.greeted.Load() {
		c.expireAt(p.Expiry)
	}
}

// refresh takes a newer token for the same person.
func (c *conn) refresh(cmd protocol.Command) (protocol.Event, *protocol.Error) {
	p, err := c.g.opts.Tokens.Verify(cmd.Token)
	if err != nil {
		return protocol.Event{}, protocol.Errorf(protocol.CodeTokenInvalid, "the new token was refused: %s", tokenProblem(err))
	}
	if p.UserID != c.user.ID {
		return protocol.Event{}, protocol.Errorf(protocol.CodeTokenInvalid, "the new token is for another person")
	}
	c.access = hub.Access{Role: p.Role, Rooms: p.Rooms}
	c.expireAt(p.Expiry)
	return protocol.Event{Type: protocol.EvAck, Ref: cmd.ID}, nil
}

func (c *conn) expireAt(t time.Time) {
	if c.expiry != nil {
		c.expiry.Stop()
	}
	c.expiry = time.AfterFunc(time.Until(t), func() {
		c.closeWith(protocol.CloseTokenExpired, "token expired; sign in again")
	})
}

// tokenProblem says in words why a token failed, without echoing it.
func tokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "it has expired"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim (exp, aud or iss) is missing"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "it is for another audience"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "it is from another issuer"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "its signature does not verify"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "it is malformed"
	}
	return "it is not valid here"
}

// limit applies the node's message length (hub.CheckTextLength) and the
// per-connection rates: sends, edits, deletes, reactions and points share a token
// bucket; joins have their own.
func (c *conn) limit(cmd protocol.Command) *protocol.Error {
	if (cmd.Type == protocol.CmdSend || cmd.Type == protocol.CmdEdit) && cmd.Text != "" {
		if perr := c.g.hub.CheckTextLength(cmd.Text); perr != nil {
			return perr
		}
	}
	switch cmd.Type {
	case protocol.CmdSend, protocol.CmdEdit, protocol.CmdDelete, protocol.CmdReact, protocol.CmdUnreact,
		protocol.CmdResolve, protocol.CmdReopen, protocol.CmdPoints:
		if !c.messages.Allow() {
			c.g.opts.Metrics.RateLimitedMessages.Inc()
			return protocol.Errorf(protocol.CodeRateLimited, "slow down: at most %g messages per second", c.g.opts.MessagesPerSecond)
		}
		c.g.opts.Metrics.MessagesReceived.Inc()
	case protocol.CmdJoin:
		if !c.joins.Allow() {
			c.g.opts.Metrics.RateLimitedJoins.Inc()
			return protocol.Errorf(protocol.CodeRateLimited, "slow down: at most %d joins per minute", c.g.opts.JoinsPerMinute)
		}
	}
	return nil
}

// reject answers command ref with a typed error.
func (c *conn) reject(ref string, perr *protocol.Error) {
	c.send(&protocol.Event{Type: protocol.EvError, Ref: ref, Error: perr})
}

package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// dialect is what sets one kind of endpoint apart. Every endpoint runs on
// the same conn (one reader, one writer with a bounded mailbox, the
// heartbeat, the admission counters and the shutdown); the zero dialect is
// the protocol of /ws.
type dialect struct {
	// read runs the connection's reader for its whole life. Default: the
	// protocol's readLoop (whose reader may park while idle).
	read func(c *conn)
	// render, if set, turns one queued frame into the messages to write,
	// each written alone in order; it runs on the writer goroutine. Nil:
	// frames are protocol events, written as they are (several queued ones
	// as one batch).
	render func(c *conn, frame []byte) []message
	// pack, with render, joins the text messages the writer has at once
	// with line breaks into one frame instead of one frame each.
	pack bool
	// closing, if set with render, returns what announces a close to the
	// peer before the close frame (the protocol sends a closing event).
	closing func(code protocol.CloseCode, reason string) []message
}

// message is one WebSocket message to write.
type message struct {
	typ  websocket.MessageType
	data []byte
}

// readPlain reads the next frame for a plain endpoint. It ends the
// connection and returns false for a frame over the limit (1009), a text
// frame that is not valid UTF-8 (1007: never relayed), or a failed read.
func (c *conn) readPlain() (websocket.MessageType, []byte, bool) {
	for {
		ready := c.awaitFrame()
		if ready && c.skipPong() {
			continue
		}
		if !c.screen(ready) {
			return 0, nil, false
		}
		break
	}
	typ, data, err := c.read()
	switch {
	case errors.Is(err, errTooBig):
		c.closeWith(protocol.CloseTooBig, "frame larger than the limit")
	case err != nil:
		c.readFailed(err)
	case typ == websocket.MessageText && !utf8.Valid(data):
		c.closeWith(protocol.CloseInvalidData, "text frame is not valid UTF-8")
	default:
		return typ, data, true
	}
	return typ, nil, false
}

// textMessage is a text message holding s.
func textMessage(s string) message { return message{websocket.MessageText, []byte(s)} }

// accept runs what every endpoint does before it serves a connection: the
// origin check, the handshake rate per address, the handshake's own
// headers (handshakeError), the refusal while
// shutting down, the upgrade (with subprotocols, the client must offer
// the first; plain endpoints have none), and the connection caps. It then
// starts serving the connection with d, until it ends, on a goroutine of
// its own (g.wg counts it); before, prepare (if set) fills the conn (its
// user).
func (g *Gateway) accept(w http.ResponseWriter, r *http.Request, subprotocols []string, d dialect, prepare func(*conn)) {
	if !g.originAllowed(r) {
		g.log.Info("handshake refused: origin not allowed", "origin", r.Header.Get("Origin"), "remote", r.RemoteAddr, "path", r.URL.Path)
		httpError(w, http.StatusForbidden, protocol.Errorf(protocol.CodeForbidden, "origin not allowed"))
		return
	}
	ip := remoteIP(r)
	if !g.admit.handshake(ip, time.Now()) {
		g.opts.Metrics.RateLimitedHandshakes.Inc()
		w.Header().Set("Retry-After", "1")
		httpError(w, http.StatusTooManyRequests, protocol.Errorf(protocol.CodeRateLimited, "too many handshakes; slow down"))
		return
	}
	if status, perr := handshakeError(w, r); perr != nil {
		httpError(w, status, perr)
		return
	}
	if len(subprotocols) > 0 && !offers(r, subprotocols[0]) {
		httpError(w, http.StatusBadRequest, protocol.Errorf(protocol.CodeBadRequest,
			"this endpoint needs the WebSocket subprotocol %s (plain WebSocket clients: see /text/{room}/{name})", subprotocols[0]))
		return
	}
	g.mu.Lock()
	draining := g.draining
	if !draining {
		g.wg.Add(1)
	}
	g.mu.Unlock()
	if draining {
		httpError(w, http.StatusServiceUnavailable, protocol.Errorf(protocol.CodeUnavailable, "server is shutting down"))
		return
	}
	served := false // once true, the serving goroutine calls g.wg.Done
	defer func() {
		if !served {
			g.wg.Done()
		}
	}()
	var rw http.ResponseWriter = w
	u := newUpgrade(w)
	if u != nil {
		rw = u
	}
	// c is set before the connection is served; the pong callback runs in
	// its reader.
	var c *conn
	ws, err := websocket.Accept(rw, r, &websocket.AcceptOptions{
		Subprotocols: subprotocols,
		// Origins are checked above, exactly (coder/websocket's patterns
		// match hosts only and accept http:// for an https origin).
		InsecureSkipVerify:   true,
		CompressionMode:      g.compressionMode(),
		CompressionThreshold: compressionThreshold,
		OnPongReceived:       func(context.Context, []byte) { c.pongSeen.Store(true) },
	})
	if err != nil {
		// Accept has written the HTTP error (not a WebSocket request, say).
		g.log.Debug("websocket handshake refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	u.compressed = w.Header().Get("Sec-WebSocket-Extensions") != ""
	c = newConn(g, ws, u, r.RemoteAddr, d)
	g.opts.Metrics.ConnectionsOpened.Inc()
	g.log.Info("connection opened", "conn", c.id, "remote", c.remote, "path", r.URL.Path)
	if why := g.admit.open(ip); why != "" {
		c.closeWith(protocol.CloseTryAgainLater, why)
		c.workers.Wait()
		c.ws.CloseNow()
		g.opts.Metrics.Closed(protocol.CloseTryAgainLater)
		g.log.Info("connection closed", "conn", c.id, "remote", c.remote,
			"code", int(protocol.CloseTryAgainLater), "reason", why, "duration", "0s")
		return
	}
	if prepare != nil {
		prepare(c)
	}
	g.track(c, true)
	// The connection is served on a goroutine of its own and the handler
	// returns: net/http's goroutine, whose stack grew parsing the request
	// and upgrading, ends (16 KiB a connection before, in a heap profile
	// of 5,000 idle ones), and an idle protocol connection's reader parks
	// (see awaitOrPark), keeping no goroutine at all.
	served = true
	go c.serve(func() {
		g.track(c, false)
		g.admit.close(ip)
		g.wg.Done()
	})
}

// httpError answers a request that is refused before any upgrade with a
// typed JSON error: {"error":{"code":…,"message":…}}.
func httpError(w http.ResponseWriter, status int, perr *protocol.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(struct {
		Error *protocol.Error `json:"error"`
	}{perr})
}

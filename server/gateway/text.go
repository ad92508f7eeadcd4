package gateway

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server/identity"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Plain-text rooms (GET /text/{room}/{name}): any WebSocket client, with no
// subprotocol and no JSON, takes part in a room. Every text frame it sends
// is a message from name; it receives one text frame per line:
//
//	ann: hello              a message from someone else
//	* bob joined            presence
//	* bob left
//	* error rate_limited: … a refused message (the protocol's error codes)
//
// On connect it first receives the room's recent messages in the same form.
// With ?pack=1 it receives the lines that are ready at once joined by "\n"
// in one frame (fewer frames for a busy room); by default one line per frame.
// The connection is a hub member like any protocol connection: same
// presence, fan-out, validation, storage and limits.
const (
	// DefaultTextHistory is how many recent messages a plain-text client
	// receives on connect without ?history=.
	DefaultTextHistory = 20
	// MaxTextHistory bounds ?history=; the room's history on join
	// (hub.Options.HistoryOnJoin) bounds it too.
	MaxTextHistory = protocol.MaxHistoryPage
)

// Text serves GET /text/{room}/{name}?history=N&pack=1 as a plain-text room
// connection. A bad room, name, history or pack answers HTTP 400 with a typed
// JSON error before any upgrade.
func (g *Gateway) Text() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		room := r.PathValue("room")
		if perr := protocol.ValidateRoom(room); perr != nil {
			httpError(w, http.StatusBadRequest, perr)
			return
		}
		name, perr := protocol.NormalizeNickname(r.PathValue("name"))
		if perr != nil {
			httpError(w, http.StatusBadRequest, perr)
			return
		}
		history := DefaultTextHistory
		if v := r.URL.Query().Get("history"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > MaxTextHistory {
				httpError(w, http.StatusBadRequest, protocol.Errorf(protocol.CodeBadRequest,
					"history must be a number of messages from 0 to %d", MaxTextHistory))
				return
			}
			history = n
		}
		pack := false
		if v := r.URL.Query().Get("pack"); v != "" {
			var err error
			if pack, err = strconv.ParseBool(v); err != nil {
				httpError(w, http.StatusBadRequest, protocol.Errorf(protocol.CodeBadRequest, "pack must be 1 or 0"))
				return
			}
		}
		u := protocol.User{ID: identity.NewUserID(), Name: name}
		t := &textRoom{room: room, self: u.ID, history: history}
		g.accept(w, r, nil, dialect{read: t.read, render: t.render, closing: textClosing, pack: pack}, func(c *conn) { c.user = u })
	})
}

// textRoom is one plain-text connection's room, name and history size.
type textRoom struct {
	room    string
	self    string // the connection's user id
	history int
	sent    atomic.Uint64 // messages sent, for their ids
}

// read joins the room, then posts every text frame as a message. A refused
// join (name taken, private room, ban) is told in a line and closes the
// connection (1008; 1013 while the store is unavailable).
func (t *textRoom) read(c *conn) {
	if !c.g.admit.identify(c.user.ID) {
		c.closeWith(protocol.CloseTryAgainLater, "too many connections for this person")
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, hubTimeout)
	perr := c.g.hub.Join(ctx, c, protocol.Command{Type: protocol.CmdJoin, ID: "join", Room: t.room})
	cancel()
	if perr != nil {
		c.reject("join", perr)
		code := protocol.ClosePolicy
		if perr.Code == protocol.CodeUnavailable {
			code = protocol.CloseTryAgainLater
		}
		c.closeWith(code, "could not join the room")
		return
	}
	c.g.log.Info("plain-text connection joined", "conn", c.id, "remote", c.remote, "room", t.room, "user", c.user.ID)
	idBase := randomID()
	bad := 0
	for {
		typ, data, ok := c.readPlain()
		if !ok {
			return
		}
		perr := t.post(c, typ, data, idBase)
		if perr == nil {
			bad = 0
			continue
		}
		c.reject("", perr)
		if perr.Code != protocol.CodeRateLimited && perr.Code != protocol.CodeUnavailable {
			if bad++; bad >= c.g.opts.MaxBadFrames {
				c.closeWith(protocol.CloseProtocolViolation, "too many invalid frames")
				return
			}
		}
	}
}

// post sends one frame as a message: text only, one line break at the end
// dropped (line-based tools send it), validated, within the message rate.
func (t *textRoom) post(c *conn, typ websocket.MessageType, data []byte, idBase string) *protocol.Error {
	if typ != websocket.MessageText {
		return protocol.Errorf(protocol.CodeBadRequest, "send text frames: binary frames are not messages")
	}
	text := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
	if perr := protocol.ValidateText(text); perr != nil {
		return perr
	}
	if perr := c.g.hub.CheckTextLength(text); perr != nil {
		return perr
	}
	if !c.messages.Allow() {
		return protocol.Errorf(protocol.CodeRateLimited, "slow down: at most %g messages per second", c.g.opts.MessagesPerSecond)
	}
	ctx, cancel := context.WithTimeout(c.ctx, hubTimeout)
	defer cancel()
	id := "t-" + idBase + "-" + strconv.FormatUint(t.sent.Add(1), 10)
	_, perr := c.g.hub.Send(ctx, c, protocol.Command{Type: protocol.CmdSend, ID: id, Room: t.room, Text: text})
	return perr
}

// render turns one queued protocol frame (an event or a batch of them)
// into lines (writer goroutine).
func (t *textRoom) render(c *conn, frame []byte) []message {
	ev, err := c.g.decoded.decode(frame)
	if err != nil {
		c.g.log.Error("plain-text render: bad event", "conn", c.id, "err", err)
		return nil
	}
	if ev.Type != protocol.EvBatch {
		return t.renderEvent(c, nil, ev)
	}
	var out []message
	for i := range ev.Events {
		out = t.renderEvent(c, out, &ev.Events[i])
	}
	return out
}

// renderEvent appends the lines of one event to out.
func (t *textRoom) renderEvent(c *conn, out []message, ev *protocol.Event) []message {
	switch ev.Type {
	case protocol.EvJoined:
		for _, m := range lastMessages(ev.Events, t.history) {
			out = append(out, textMessage(m.User.Name+": "+m.Text))
		}
	case protocol.EvMessage:
		if ev.User != nil && ev.User.ID != t.self {
			out = append(out, textMessage(ev.User.Name+": "+ev.Text))
		}
	case protocol.EvEdit:
		if ev.User != nil && ev.User.ID != t.self {
			out = append(out, textMessage("* "+ev.User.Name+" edited a message: "+ev.Text))
		}
	case protocol.EvPresence:
		for _, u := range ev.Joined {
			if u.ID != t.self {
				out = append(out, textMessage("* "+u.Name+" joined"))
			}
		}
		for _, u := range ev.Left {
			if u.ID != t.self {
				out = append(out, textMessage("* "+u.Name+" left"))
			}
		}
	case protocol.EvError:
		if ev.Error != nil {
			line := "* error " + string(ev.Error.Code) + ": " + ev.Error.Message
			if ev.Error.Suggestion != "" {
				line += " (try " + strconv.Quote(ev.Error.Suggestion) + ")"
			}
			out = append(out, textMessage(line))
		}
	case protocol.EvKicked:
		line := "* a moderator removed you from the room"
		if ev.Text != "" {
			line += ": " + ev.Text
		}
		out = append(out, textMessage(line))
		c.closeWith(protocol.ClosePolicy, "removed by a moderator")
	}
	return out
}

// textClosing announces a close the server starts, as a line: line-based
// tools do not show close frames.
func textClosing(code protocol.CloseCode, reason string) []message {
	if reason == "" {
		return nil
	}
	return []message{textMessage("* closing (" + strconv.Itoa(int(code)) + "): " + reason)}
}

// lastMessages applies the edits and deletes among events to their
// messages and returns the last n messages that remain, oldest first.
func lastMessages(events []protocol.Event, n int) []protocol.Event {
	if n <= 0 {
		return nil
	}
	var msgs []protocol.Event
	at := make(map[uint64]int) // offset → index in msgs
	for _, ev := range events {
		switch ev.Type {
		case protocol.EvMessage:
			if ev.User != nil {
				at[ev.Offset] = len(msgs)
				msgs = append(msgs, ev)
			}
		case protocol.EvEdit:
			if i, ok := at[ev.Target]; ok {
				msgs[i].Text = ev.Text
			}
		case protocol.EvDelete:
			if i, ok := at[ev.Target]; ok {
				msgs[i].Type = protocol.EvDelete
			}
		}
	}
	kept := msgs[:0]
	for _, m := range msgs {
		if m.Type == protocol.EvMessage {
			kept = append(kept, m)
		}
	}
	return kept[max(0, len(kept)-n):]
}

package gateway

import (
	"context"
	"errors"
	"net/http"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server/counter"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Counter serves GET /counter/{name} (and /counter, the counter named
// protocol.DefaultCounter): the shared counter, in the JSON of the classic
// synchronisation demo (see protocol.CounterEvent). Frames obey the frame
// size (1009), UTF-8 (1007) and message rate (an error event) limits; a
// frame that is not an action gets an error event, and MaxBadFrames of them
// in a row close the connection with 4500.
func (g *Gateway) Counter(cs *counter.Counters) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if name == "" {
			name = protocol.DefaultCounter
		}
		if perr := protocol.ValidateRoom(name); perr != nil {
			httpError(w, http.StatusBadRequest, protocol.Errorf(protocol.CodeBadRequest,
				"counter names follow the room-name rules: %s", perr.Message))
			return
		}
		read := func(c *conn) { readCounter(c, cs, name) }
		g.accept(w, r, nil, dialect{read: read, render: renderCounter}, nil)
	})
}

// readCounter joins the counter, then applies each action.
func readCounter(c *conn, cs *counter.Counters, name string) {
	ctx, cancel := context.WithTimeout(c.ctx, hubTimeout)
	err := cs.Join(ctx, name, c)
	cancel()
	if err != nil {
		counterError(c, err)
		c.closeWith(protocol.CloseTryAgainLater, "counter unavailable")
		return
	}
	defer cs.Leave(name, c)
	bad := 0
	for {
		typ, data, ok := c.readPlain()
		if !ok {
			return
		}
		a, err := counterAction(typ, data)
		if err != nil {
			counterError(c, err)
			if bad++; bad >= c.g.opts.MaxBadFrames {
				c.closeWith(protocol.CloseProtocolViolation, "too many invalid frames")
				return
			}
			continue
		}
		bad = 0
		if err := addCounter(c, cs, name, a.Delta()); err != nil {
			counterError(c, err)
		}
	}
}

// counterAction decodes one frame as an action.
func counterAction(typ websocket.MessageType, data []byte) (protocol.CounterAction, error) {
	if typ != websocket.MessageText {
		return protocol.CounterAction{}, errors.New(`send text frames: {"action":"plus"} or {"action":"minus"}`)
	}
	return protocol.DecodeCounterAction(data)
}

// addCounter applies one action within the message rate.
func addCounter(c *conn, cs *counter.Counters, name string, delta int64) error {
	if !c.messages.Allow() {
		return errors.New("slow down: too many actions per second")
	}
	ctx, cancel := context.WithTimeout(c.ctx, hubTimeout)
	defer cancel()
	err := cs.Add(ctx, name, delta)
	if ctx.Err() != nil && err != nil {
		return errors.New("the counter store did not answer in time; try again")
	}
	return err
}

// counterError sends an error event; a protocol error's message only (its
// code is not part of the demo's JSON).
func counterError(c *conn, err error) {
	msg := err.Error()
	var perr *protocol.Error
	if errors.As(err, &perr) {
		msg = perr.Message
	}
	if frame, err := (protocol.CounterEvent{Type: protocol.CounterError, Message: msg}).Encode(); err == nil {
		c.Deliver(frame)
	}
}

// renderCounter writes each counter event alone (demo pages parse one JSON
// object per frame).
func renderCounter(_ *conn, frame []byte) []message {
	return []message{{typ: websocket.MessageText, data: frame}}
}

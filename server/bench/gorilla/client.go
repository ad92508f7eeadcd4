package main

import (
	"bytes"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// The timings and sizes of gorilla's examples/chat, but for a larger read
// limit (the load generator's messages are JSON commands of a few hundred
// bytes).
const (
	// writeWait bounds one write to the peer.
	writeWait = 10 * time.Second
	// pongWait is how long the peer may stay silent (a pong counts).
	pongWait = 60 * time.Second
	// pingPeriod must be shorter than pongWait.
	pingPeriod = pongWait * 9 / 10
	// maxMessageSize is the largest frame read from a client.
	maxMessageSize = 64 << 10
	// sendQueue is how many messages wait for a slow client before the
	// hub drops it.
	sendQueue = 256
)

var newline = []byte{'\n'}

// client is one connection in one room. Its send queue is closed by the
// hub (never by anyone else) when the hub lets it go.
type client struct {
	conn *websocket.Conn
	send chan []byte
}

// ServeHTTP upgrades a request for /ws?room=NAME and starts the
// connection's two goroutines. Like gorilla's example it returns at once,
// so nothing the HTTP server held for the request stays reachable (which
// keeps an idle connection's memory down); the reader owns the connection
// from then on.
func (rs *rooms) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		// Whatever the client asks for (the load generator offers
		// switchboard.v1); the bench talks to nothing else.
		Subprotocols: websocket.Subprotocols(r),
		CheckOrigin:  func(*http.Request) bool { return true },
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered with the HTTP error
	}
	room := r.URL.Query().Get("room")
	h := rs.enter(room)
	if h == nil { // the server is stopping
		conn.Close()
		return
	}
	c := &client{conn: conn, send: make(chan []byte, sendQueue)}
	select {
	case h.register <- c:
	case <-h.done: // the server is stopping
		rs.leave(room, h)
		rs.wg.Add(-2)
		conn.Close()
		return
	}
	go func() {
		defer rs.wg.Done()
		c.writePump()
	}()
	go func() {
		defer rs.wg.Done()
		rs.readPump(c, room, h)
	}()
}

// readPump relays every text frame the client sends to its room until the
// connection fails; then it takes the client out of the room and closes
// the connection.
func (rs *rooms) readPump(c *client, room string, h *hub) {
	defer func() {
		select {
		case h.unregister <- c:
		case <-h.done:
		}
		rs.leave(room, h)
		c.conn.Close()
	}()
	c.conn.SetReadLimit(maxMessageSize)
	c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error { return c.conn.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		typ, msg, err := c.conn.ReadMessage()
		if err != nil {
			if websocket.IsUnexpectedCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseAbnormalClosure) {
				rs.log.Printf("read: %v", err)
			}
			return
		}
		if typ != websocket.TextMessage {
			continue
		}
		// The newline separates messages in a frame, so a message has none.
		msg = bytes.ReplaceAll(msg, newline, []byte{' '})
		select {
		case h.broadcast <- msg:
		case <-h.done:
			return
		}
	}
}

// writePump writes what the hub queues for the client: each frame holds
// the message that woke it and every message queued behind it, one per
// line. It pings every pingPeriod, and ends, closing the connection, when
// the hub closes the queue or a write fails.
func (c *client) writePump() {
	ping := time.NewTicker(pingPeriod)
	defer func() {
		ping.Stop()
		c.conn.Close()
	}()
	for {
		select {
		case msg, ok := <-c.send:
			c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if !ok {
				c.conn.WriteMessage(websocket.CloseMessage, []byte{})
				return
			}
			w, err := c.conn.NextWriter(websocket.TextMessage)
			if err != nil {
				return
			}
			w.Write(msg)
			for n := len(c.send); n > 0; n-- {
				w.Write(newline)
				w.Write(<-c.send)
			}
			if err := w.Close(); err != nil {
				return
			}
		case <-ping.C:
			c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}

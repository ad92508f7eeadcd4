package gateway

import (
	"net/http"

	"github.com/coder/websocket"
)

// Echo serves GET /echo: every frame the client sends comes back as it
// came, text or binary, for connectivity checks. Frames obey the frame size
// (1009 beyond) and the message rate (MessagesPerSecond, MessageBurst): a
// faster client is not refused, its frames are read more slowly. Text
// frames must be valid UTF-8 (1007).
func (g *Gateway) Echo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.accept(w, r, nil, dialect{read: readEcho, render: renderEcho}, nil)
	})
}

// readEcho queues each frame back, its type in a first byte.
func readEcho(c *conn) {
	for {
		typ, data, ok := c.readPlain()
		if !ok {
			return
		}
		if c.messages.Wait(c.ctx) != nil {
			continue // closing: keep reading until the peer's close frame
		}
		c.Deliver(append([]byte{byte(typ)}, data...))
	}
}

func renderEcho(_ *conn, frame []byte) []message {
	return []message{{typ: websocket.MessageType(frame[0]), data: frame[1:]}}
}

package client

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Counter is a connection to a shared counter (/counter/{name}), which
// speaks the classic synchronisation demo's JSON (see protocol.CounterEvent).
// It runs one reader goroutine for its whole life; its methods are safe for
// concurrent use.
type Counter struct {
	ws     *websocket.Conn
	events chan protocol.CounterEvent
	done   chan struct{} // closed when the reader has stopped
	quit   chan struct{} // closed by Close: the reader stops waiting on events

	closeOnce sync.Once

	mu  sync.Mutex
	err error // why the connection ended
}

// DialCounter connects to a counter at url (ws://host/counter/name, or in
// the browser a path such as "/counter/name"). header is added to the
// handshake in native builds (the browser sets its own).
func DialCounter(ctx context.Context, url string, header map[string][]string) (*Counter, error) {
	ws, _, err := websocket.Dial(ctx, url, plainDialOptions(header))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	ws.SetReadLimit(4 << 10)
	c := &Counter{ws: ws, events: make(chan protocol.CounterEvent, 256), done: make(chan struct{}), quit: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

// Events delivers the server's state, users and error events in order. It
// is closed when the connection ends (see Err). A full channel stops the
// reader: consume it promptly.
func (c *Counter) Events() <-chan protocol.CounterEvent { return c.events }

// Done is closed when the connection has ended.
func (c *Counter) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (a *CloseError for a close code
// other than 1000), or nil while it is open or after a normal close.
func (c *Counter) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Plus asks for the value to go up by one.
func (c *Counter) Plus(ctx context.Context) error { return c.Send(ctx, protocol.CounterPlus) }

// Minus asks for the value to go down by one.
func (c *Counter) Minus(ctx context.Context) error { return c.Send(ctx, protocol.CounterMinus) }

// Send sends one action.
func (c *Counter) Send(ctx context.Context, a protocol.CounterActionType) error {
	data, err := json.Marshal(protocol.CounterAction{Action: a})
	if err != nil {
		return err
	}
	return c.ws.Write(ctx, websocket.MessageText, data)
}

// Close closes the connection and waits for the reader to stop.
func (c *Counter) Close() error {
	c.closeOnce.Do(func() { close(c.quit) })
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
	return err
}

func (c *Counter) readLoop() {
	defer close(c.done)
	defer close(c.events)
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			if code := websocket.CloseStatus(err); code != -1 && code != websocket.StatusNormalClosure {
				c.err = &CloseError{Code: protocol.CloseCode(code), Err: err}
			} else if code == -1 {
				c.err = err
			}
			c.mu.Unlock()
			return
		}
		var ev protocol.CounterEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			c.mu.Lock()
			c.err = fmt.Errorf("bad counter event: %w", err)
			c.mu.Unlock()
			c.ws.CloseNow()
			return
		}
		select {
		case c.events <- ev:
		case <-c.quit:
			return
		}
	}
}

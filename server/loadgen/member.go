package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Kind says which protocol a Target speaks.
type Kind int

const (
	// Switchboard is the real server: hello, join and send through the
	// shared client, message events back.
	Switchboard Kind = iota
	// Baseline is the bare broadcaster under server/bench/baseline: the
	// room is the URL's ?room=, and every text frame is relayed as is.
	Baseline
)

func (k Kind) String() string {
	if k == Baseline {
		return "baseline"
	}
	return "switchboard"
}

// Target is a server to load.
type Target struct {
	Kind Kind
	// URL is the ws:// URL of the protocol endpoint.
	URL string
	// PID is the server's process id, for its CPU and RSS; 0: not measured.
	PID int
}

// member is one load-generating connection in one room. Its reader hands
// the text of every room message to onText until the connection ends.
type member interface {
	// join enters the room (a no-op for the baseline, whose room is in the URL).
	join(ctx context.Context) error
	// send posts text to the room without waiting for an answer.
	send(ctx context.Context, text string) error
	close()
}

// dialOptions are what dial needs besides the target.
type dialOptions struct {
	name, room string
	// buffer is the Switchboard client's event buffer.
	buffer int
	// onText is called by the member's reader for each room message.
	onText func(text string)
	// onError is called for each error event the server sends unprompted
	// (e.g. a rate_limited answer to a send posted without waiting).
	onError func(code string)
	// text makes a Switchboard member use the plain-text endpoint
	// /text/{room}/{name} instead of the app protocol.
	text bool
	// httpClient makes the handshake (app protocol and baseline), e.g. one
	// of sourceAddrs' to dial from another loopback address. Default
	// http.DefaultClient.
	httpClient *http.Client
}

// dial connects one member (for Switchboard: handshake, hello, welcome).
func dial(ctx context.Context, t Target, o dialOptions) (member, error) {
	if o.onText == nil {
		o.onText = func(string) {}
	}
	if o.onError == nil {
		o.onError = func(string) {}
	}
	if t.Kind == Baseline {
		return dialBaseline(ctx, t.URL, o)
	}
	if o.text {
		return dialText(ctx, t.URL, o)
	}
	c, err := client.Dial(ctx, t.URL, client.Options{Name: o.name, EventBuffer: o.buffer, HTTPClient: o.httpClient})
	if err != nil {
		return nil, err
	}
	m := &sbMember{c: c, room: o.room}
	m.wg.Go(func() {
		for ev := range c.Events() {
			switch ev.Type {
			case protocol.EvMessage:
				o.onText(ev.Text)
			case protocol.EvError:
				code := "unknown"
				if ev.Error != nil {
					code = string(ev.Error.Code)
				}
				o.onError(code)
			}
		}
	})
	return m, nil
}

type sbMember struct {
	c    *client.Conn
	room string
	wg   sync.WaitGroup // the event reader
}

func (m *sbMember) join(ctx context.Context) error {
	_, err := m.c.Join(ctx, m.room)
	return err
}

func (m *sbMember) send(ctx context.Context, text string) error {
	return m.c.Post(ctx, protocol.Command{Type: protocol.CmdSend, Room: m.room, Text: text})
}

func (m *sbMember) close() {
	m.c.Close()
	m.wg.Wait()
}

type baseMember struct {
	ws     *websocket.Conn
	room   string
	nextID int
	mu     sync.Mutex // guards nextID
	wg     sync.WaitGroup
}

func dialBaseline(ctx context.Context, target string, o dialOptions) (member, error) {
	u := target + "?room=" + url.QueryEscape(o.room)
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{Subprotocols: []string{protocol.Subprotocol}, HTTPClient: o.httpClient})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	ws.SetReadLimit(1 << 20)
	m := &baseMember{ws: ws, room: o.room}
	m.wg.Go(func() {
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			// The same decoding work a Switchboard client does per event.
			var cmd protocol.Command
			if json.Unmarshal(data, &cmd) == nil && cmd.Type == protocol.CmdSend {
				o.onText(cmd.Text)
			}
		}
	})
	return m, nil
}

func (m *baseMember) join(context.Context) error { return nil }

func (m *baseMember) send(ctx context.Context, text string) error {
	m.mu.Lock()
	m.nextID++
	id := m.nextID
	m.mu.Unlock()
	cmd := protocol.Command{Type: protocol.CmdSend, ID: "b" + strconv.Itoa(id), Room: m.room, Text: text}
	data, err := cmd.Encode()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return m.ws.Write(ctx, websocket.MessageText, data)
}

func (m *baseMember) close() {
	m.ws.Close(websocket.StatusNormalClosure, "")
	m.wg.Wait()
}

// stamp makes a message text that carries its phase and send time (Unix
// nanoseconds), padded to a chat-like length.
func stamp(phase int, now time.Time) string {
	return "p" + strconv.Itoa(phase) + " " + strconv.FormatInt(now.UnixNano(), 10) + " " + padding
}

const padding = "the quick brown fox jumps over the lazy dog"

// parseStamp returns the phase and send time in a text made by stamp.
func parseStamp(text string) (int, time.Time, bool) {
	if !strings.HasPrefix(text, "p") {
		return 0, time.Time{}, false
	}
	rest := text[1:]
	sp := strings.IndexByte(rest, ' ')
	if sp < 0 {
		return 0, time.Time{}, false
	}
	phase, err := strconv.Atoi(rest[:sp])
	if err != nil {
		return 0, time.Time{}, false
	}
	rest = rest[sp+1:]
	if sp = strings.IndexByte(rest, ' '); sp >= 0 {
		rest = rest[:sp]
	}
	ns, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return 0, time.Time{}, false
	}
	return phase, time.Unix(0, ns), true
}

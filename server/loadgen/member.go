package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Kind says which server a Target is, and so which protocol it speaks.
type Kind int

const (
	// Switchboard is the real server: hello, join and send through the
	// shared client, message events back.
	Switchboard Kind = iota
	// Baseline is the bare broadcaster under server/bench/baseline: the
	// room is the URL's ?room=, and every text frame is relayed as is, one
	// frame per message.
	Baseline
	// Gorilla is the gorilla/websocket chat hub under server/bench/gorilla:
	// the same raw protocol as Baseline, but a frame holds every message
	// queued for the connection when it is written, joined by newlines.
	Gorilla
)

func (k Kind) String() string {
	switch k {
	case Baseline:
		return "baseline"
	case Gorilla:
		return "gorilla"
	}
	return "switchboard"
}

// Title is the server's name in the report's column headers.
func (k Kind) Title() string {
	switch k {
	case Baseline:
		return "Baseline"
	case Gorilla:
		return "gorilla"
	}
	return "Switchboard"
}

// Peers are the servers Switchboard is compared with, in the report's order.
var Peers = []Kind{Baseline, Gorilla}

// raw reports whether k speaks the peers' raw protocol: the room in the
// URL, each text frame a send command relayed to the room as is.
func (k Kind) raw() bool { return k != Switchboard }

// Target is a server to load.
type Target struct {
	Kind Kind
	// URL is the ws:// URL of the protocol endpoint.
	URL string
	// PID is the server's process id, for its CPU and RSS; 0: not measured.
	PID int
}

// member is one load-generating connection in one room. Its reader counts
// the messages in every frame it receives (dialOptions.tr) until the
// connection ends.
type member interface {
	// join enters the room (a no-op for a peer, whose room is in the URL).
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
	// tr, if set, counts the messages in every frame the member receives
	// (see receiveFrame) and the error events the server sends unprompted
	// (e.g. a rate_limited answer to a send posted without waiting).
	// Default: nothing is counted.
	tr *traffic
	// text makes a Switchboard member use the plain-text endpoint
	// /text/{room}/{name} instead of the app protocol.
	text bool
	// httpClient makes the handshake (app protocol and raw peers), e.g.
	// one of sourceAddrs' to dial from another loopback address. Default
	// http.DefaultClient.
	httpClient *http.Client
	// compression makes a Switchboard app-protocol member offer
	// permessage-deflate (client.Options.Compression). Default: not offered.
	compression bool
	// wire, if set, counts what a Switchboard app-protocol member reads off
	// its connection; its HTTP client replaces httpClient. Default: not
	// counted.
	wire *wireCount
}

// dial connects one member (for Switchboard: handshake, hello, welcome).
func dial(ctx context.Context, t Target, o dialOptions) (member, error) {
	if t.Kind.raw() {
		return dialRaw(ctx, t.URL, o)
	}
	if o.text {
		return dialText(ctx, t.URL, o)
	}
	opts := client.Options{Name: o.name, EventBuffer: o.buffer, HTTPClient: o.httpClient, Compression: o.compression}
	if o.wire != nil {
		opts.HTTPClient = o.wire.client()
	}
	if o.tr != nil {
		opts.OnFrame = sbFrameHook(o.tr)
	}
	c, err := client.Dial(ctx, t.URL, opts)
	if err != nil {
		return nil, err
	}
	m := &sbMember{c: c, room: o.room}
	m.wg.Go(func() {
		// What the hook let through: answers nobody waits for, presence,
		// and the rare frame that mixes messages with other events (its
		// messages count here, but not the frame).
		for ev := range c.Events() {
			if o.tr == nil {
				continue
			}
			switch ev.Type {
			case protocol.EvMessage:
				o.tr.onText(ev.Text)
			case protocol.EvError:
				code := "unknown"
				if ev.Error != nil {
					code = string(ev.Error.Code)
				}
				o.tr.onError(code)
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

// rawMember is a member of a peer (Baseline, Gorilla): every frame it sends
// is the JSON of a send command, as Switchboard's client would send it,
// and it counts the stamps in every frame it receives.
type rawMember struct {
	ws     *websocket.Conn
	room   string
	nextID int
	mu     sync.Mutex // guards nextID
	wg     sync.WaitGroup
}

// dialRaw connects to a peer's endpoint target, in the room o.room.
func dialRaw(ctx context.Context, target string, o dialOptions) (member, error) {
	u := target + "?room=" + url.QueryEscape(o.room)
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{Subprotocols: []string{protocol.Subprotocol}, HTTPClient: o.httpClient})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	ws.SetReadLimit(1 << 20)
	m := &rawMember{ws: ws, room: o.room}
	m.wg.Go(func() {
		var data []byte
		for {
			var err error
			if _, data, err = client.ReadFrame(ws, data); err != nil {
				return
			}
			if o.tr != nil {
				o.tr.receiveFrame(data, jsonStamp)
			}
		}
	})
	return m, nil
}

func (m *rawMember) join(context.Context) error { return nil }

func (m *rawMember) send(ctx context.Context, text string) error {
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

func (m *rawMember) close() {
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
	phase, ns, ok := parseStampBytes([]byte(text))
	if !ok {
		return 0, time.Time{}, false
	}
	return phase, time.Unix(0, ns), true
}

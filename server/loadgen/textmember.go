package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/client"
)

// textMember is a member on Switchboard's plain-text endpoint
// (/text/{room}/{name}): no subprotocol, no JSON; every text frame it sends
// is a message, and it receives lines, "name: text" for a message from
// someone else and "* …" for presence and errors, one per frame or several
// joined by newlines.
type textMember struct {
	ws *websocket.Conn
	// joined is closed when the server has answered the join probe (see
	// join); probed says it has been, and is the reader's alone.
	joined chan struct{}
	probed bool
	done   chan struct{} // closed when the reader ends
}

// dialText opens /text/{room}/{name} beside the /ws endpoint in target,
// asking for no history.
func dialText(ctx context.Context, target string, o dialOptions) (member, error) {
	base, ok := strings.CutSuffix(target, "/ws")
	if !ok {
		return nil, fmt.Errorf("plain-text member: target %q does not end in /ws", target)
	}
	u := base + "/text/" + url.PathEscape(o.room) + "/" + url.PathEscape(o.name) + "?history=0"
	ws, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	ws.SetReadLimit(1 << 20)
	m := &textMember{ws: ws, joined: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		var data []byte
		for {
			var err error
			if _, data, err = client.ReadFrame(ws, data); err != nil {
				return
			}
			if hasNotice(data) {
				m.notices(data, o.tr)
			}
			if o.tr == nil {
				continue
			}
			if _, p, n := o.tr.receiveFrame(data, lineStamp); n > 0 {
				p.textReceived.Add(int64(n))
			}
		}
	}()
	return m, nil
}

// hasNotice reports whether a frame holds a line from the server itself
// ("* …": presence, errors) besides messages.
func hasNotice(frame []byte) bool {
	return bytes.HasPrefix(frame, noticePrefix) || bytes.Contains(frame, []byte("\n* "))
}

var noticePrefix = []byte("* ")

// notices handles the server's own lines in frame: the answer to the join
// probe (the first bad_request) closes m.joined, and every other error
// line is counted in tr by its code. Its message lines are left to
// receiveFrame.
func (m *textMember) notices(frame []byte, tr *traffic) {
	for line := range bytes.SplitSeq(frame, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte("* error "))
		if !ok {
			continue // presence, or a message
		}
		if !m.probed && bytes.HasPrefix(rest, []byte("bad_request")) {
			m.probed = true
			close(m.joined)
			continue
		}
		if tr != nil {
			code, _, _ := bytes.Cut(rest, []byte(":"))
			tr.onError(string(code))
		}
	}
}

// join waits until the server has joined the connection to its room. The
// endpoint joins before it reads any frame and says nothing when it has,
// so join sends one binary frame (not a message: the server refuses it
// with "* error bad_request: …" and keeps the connection) and waits for
// that answer.
func (m *textMember) join(ctx context.Context) error {
	if err := m.ws.Write(ctx, websocket.MessageBinary, []byte{0}); err != nil {
		return fmt.Errorf("plain-text join probe: %w", err)
	}
	select {
	case <-m.joined:
		return nil
	case <-m.done:
		return errors.New("plain-text connection ended before joining")
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *textMember) send(ctx context.Context, text string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return m.ws.Write(ctx, websocket.MessageText, []byte(text))
}

func (m *textMember) close() {
	m.ws.Close(websocket.StatusNormalClosure, "")
	<-m.done
}

package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// frameConn is a raw protocol connection that reads frames, so a test can
// see how events were packed into them.
type frameConn struct {
	t  testing.TB
	ws *websocket.Conn
}

func dialFrames(t testing.TB, url, name string) *frameConn {
	t.Helper()
	ctx := testnode.Ctx(t)
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{protocol.Subprotocol}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(16 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	f := &frameConn{t: t, ws: ws}
	f.do(protocol.Command{Type: protocol.CmdHello, ID: "h", Name: name})
	f.until(func(ev protocol.Event) bool { return ev.Type == protocol.EvWelcome })
	return f
}

func (f *frameConn) do(cmd protocol.Command) {
	f.t.Helper()
	data, err := cmd.Encode()
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.ws.Write(testnode.Ctx(f.t), websocket.MessageText, data); err != nil {
		f.t.Fatalf("write %s: %v", cmd.Type, err)
	}
}

// frame reads one frame and returns its events.
func (f *frameConn) frame() []protocol.Event {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, data, err := f.ws.Read(ctx)
	if err != nil {
		f.t.Fatalf("read: %v", err)
	}
	ev, err := protocol.DecodeEvent(data)
	if err != nil {
		f.t.Fatalf("decode %s: %v", data, err)
	}
	if ev.Type == protocol.EvBatch {
		return ev.Events
	}
	return []protocol.Event{ev}
}

// until reads frames up to the event match accepts and returns every event
// read, in order, with the number of frames they came in.
func (f *frameConn) until(match func(protocol.Event) bool) ([]protocol.Event, int) {
	f.t.Helper()
	var all []protocol.Event
	frames := 0
	for {
		events := f.frame()
		frames++
		all = append(all, events...)
		for _, ev := range events {
			if match(ev) {
				return all, frames
			}
		}
	}
}

// messages returns the texts of the message events of room in events.
func messages(events []protocol.Event, room string) []string {
	var texts []string
	for _, ev := range events {
		if ev.Type == protocol.EvMessage && ev.Room == room {
			texts = append(texts, ev.Text)
		}
	}
	return texts
}

// A burst of messages reaches a member in far fewer frames than messages,
// each message once and in order; the sender's acks do not wait for the
// room's flush. The interval is --room-flush-interval, or longer for a room
// whose members would get more than --room-frames-per-second in all.
func TestRoomFlushPacksBurstIntoFewFrames(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]server.Config{
		"flush interval":    {RoomFlushInterval: time.Second, MessageBurst: 40},
		"frames per second": {RoomFlushInterval: time.Millisecond, RoomFramesPerSecond: 2, MessageBurst: 40}, // 2 members: 1 s
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testRoomFlushPacksBurst(t, cfg)
		})
	}
}

func testRoomFlushPacksBurst(t *testing.T, cfg server.Config) {
	n := testnode.Start(t, cfg)
	reader := dialFrames(t, n.WS, "reader")
	reader.do(protocol.Command{Type: protocol.CmdJoin, ID: "j", Room: "burst"})
	reader.until(func(ev protocol.Event) bool { return ev.Type == protocol.EvJoined })

	sender := testnode.Dial(t, n.WS, "sender")
	ctx := testnode.Ctx(t)
	if _, err := sender.Join(ctx, "burst"); err != nil {
		t.Fatal(err)
	}
	// The first message after a quiet second goes at once; the next ones
	// wait for the room's flush, which must not hold their acks: each
	// Send returns its ack while its message is still queued.
	const count = 30
	var want []string
	for i := range count {
		text := fmt.Sprintf("m%02d", i)
		want = append(want, text)
		ack, err := sender.Send(ctx, "burst", text)
		if err != nil {
			t.Fatalf("send %s: %v", text, err)
		}
		if ack.Offset != uint64(i+1) {
			t.Fatalf("ack of %s at offset %d, want %d", text, ack.Offset, i+1)
		}
	}
	events, frames := reader.until(func(ev protocol.Event) bool { return ev.Text == want[count-1] })
	got := messages(events, "burst")
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("reader got %q, want %q once each in order", got, want)
	}
	if frames > count/3 {
		t.Fatalf("%d messages came in %d frames; a burst should share frames", count, frames)
	}
}

// A member who joins while the room holds queued events gets each of them
// once (in the joined history, not again live), and the members already
// there get them too.
func TestRoomFlushJoinWhileQueued(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{RoomFlushInterval: time.Minute})
	ann := dialFrames(t, n.WS, "ann")
	ann.do(protocol.Command{Type: protocol.CmdJoin, ID: "j", Room: "late"})
	ann.until(func(ev protocol.Event) bool { return ev.Type == protocol.EvJoined })

	sender := testnode.Dial(t, n.WS, "sender")
	ctx := testnode.Ctx(t)
	if _, err := sender.Join(ctx, "late"); err != nil {
		t.Fatal(err)
	}
	// The sender's presence went at once and started the minute: both
	// messages now wait in the room's outbox.
	for _, text := range []string{"first", "second"} {
		if _, err := sender.Send(ctx, "late", text); err != nil {
			t.Fatal(err)
		}
	}
	bob := dialFrames(t, n.WS, "bob")
	bob.do(protocol.Command{Type: protocol.CmdJoin, ID: "j", Room: "late"})
	events, _ := bob.until(func(ev protocol.Event) bool { return ev.Type == protocol.EvJoined })
	joined := events[len(events)-1]
	if got := messages(joined.Events, "late"); strings.Join(got, " ") != "first second" {
		t.Fatalf("bob's joined history %q, want first second", got)
	}
	// ann got both when bob joined (well before the minute is up).
	events, _ = ann.until(func(ev protocol.Event) bool { return ev.Text == "second" })
	if got := messages(events, "late"); strings.Join(got, " ") != "first second" {
		t.Fatalf("ann got %q, want first second", got)
	}
	// A third message reaches bob live exactly once after the history: a
	// leave flushes the room, so ann leaving sends it out now.
	if _, err := sender.Send(ctx, "late", "third"); err != nil {
		t.Fatal(err)
	}
	ann.do(protocol.Command{Type: protocol.CmdLeave, ID: "l", Room: "late"})
	events, _ = bob.until(func(ev protocol.Event) bool { return ev.Text == "third" })
	if got := messages(events, "late"); strings.Join(got, " ") != "third" {
		t.Fatalf("bob got %q live after joining, want only third", got)
	}
}

// Plain-text clients get one line per frame by default, even when the room
// sends a batch; with ?pack=1 the lines ready at once share a frame.
func TestPlainTextPack(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{RoomFlushInterval: time.Second})
	lines := dialPlain(t, textURL(n, "/text/packed/one?history=0"), nil)
	packed := dialPlain(t, textURL(n, "/text/packed/many?history=0&pack=1"), nil)
	sender := testnode.Dial(t, n.WS, "sender")
	ctx := testnode.Ctx(t)
	if _, err := sender.Join(ctx, "packed"); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 6 {
		text := fmt.Sprintf("m%d", i)
		want = append(want, "sender: "+text)
		if _, err := sender.Send(ctx, "packed", text); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, l := range waitLine(t, lines.lines, want[len(want)-1]) {
		if strings.HasPrefix(l, "sender: ") {
			got = append(got, l)
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("one line per frame: got %q, want %q", got, want)
	}
	got = nil
	most := 0
	deadline := time.After(wait)
	for len(got) < len(want) {
		var frame string
		select {
		case frame = <-packed.lines:
		case <-deadline:
			t.Fatalf("packed: got %q within %v, want %q", got, wait, want)
		}
		var n int
		for _, l := range strings.Split(frame, "\n") {
			if strings.HasPrefix(l, "sender: ") {
				got = append(got, l)
				n++
			}
		}
		most = max(most, n)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") || most < 2 {
		t.Fatalf("packed: got %q (at most %d messages in a frame), want %q with several in one frame", got, most, want)
	}
}

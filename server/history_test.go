package server_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// purgeRoom deletes room's stored history behind the nodes' backs, as a
// lost store would, through the NATS server at natsURL.
func purgeRoom(t *testing.T, natsURL, room string) {
	t.Helper()
	stream := testnode.RoomStream(t, natsURL)
	if err := stream.Purge(testnode.Ctx(t), jetstream.WithPurgeSubject("sb.room."+room)); err != nil {
		t.Fatal(err)
	}
}

// A restarted node (embedded NATS) keeps the history, offsets and epoch.
func TestRestartKeepsHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	n := testnode.Start(t, server.Config{DataDir: dir})
	ann := testnode.Dial(t, n.WS, "ann")
	ctx := testnode.Ctx(t)
	if _, err := ann.Join(ctx, "keep"); err != nil {
		t.Fatal(err)
	}
	var epoch string
	for _, text := range []string{"a", "b", "c"} {
		ack, err := ann.Send(ctx, "keep", text)
		if err != nil {
			t.Fatal(err)
		}
		epoch = ack.Epoch
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Shutdown(sctx, protocol.CloseRestart); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ann.Done():
	case <-time.After(wait):
		t.Fatal("the client was not disconnected by the shutdown")
	}
	if code := client.CloseCode(ann.Err()); code != protocol.CloseRestart {
		t.Fatalf("close code %d (%v), want %d (restart)", code, ann.Err(), protocol.CloseRestart)
	}

	n2 := testnode.Start(t, server.Config{DataDir: dir})
	bob := testnode.Dial(t, n2.WS, "bob")
	joined, err := bob.Join(ctx, "keep")
	if err != nil {
		t.Fatal(err)
	}
	if joined.Epoch != epoch || joined.Offset != 3 || len(joined.Events) != 3 || joined.Events[2].Text != "c" {
		t.Fatalf("after restart: epoch %s offset %d events %d, want epoch %s offset 3 and 3 events", joined.Epoch, joined.Offset, len(joined.Events), epoch)
	}
	ack, err := bob.Send(ctx, "keep", "d")
	if err != nil || ack.Offset != 4 || ack.Epoch != epoch {
		t.Fatalf("send after restart: %+v, %v; want offset 4 in the same epoch", ack, err)
	}
}

// A client that comes back within the history window gets what it missed
// (recovered); one that was away longer gets recovered=false and the
// current history.
func TestResumeWithinAndBeyondTheWindow(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{HistorySize: 5})
	ctx := testnode.Ctx(t)
	sender := testnode.Dial(t, n.WS, "sender")
	if _, err := sender.Join(ctx, "window"); err != nil {
		t.Fatal(err)
	}
	var epoch string
	send := func(from, to int) {
		for i := from; i <= to; i++ {
			ack, err := sender.Send(ctx, "window", fmt.Sprint("m", i))
			if err != nil {
				t.Fatal(err)
			}
			epoch = ack.Epoch
		}
	}
	send(1, 2)
	back := testnode.Dial(t, n.WS, "back")
	rejoin := func(offset uint64) protocol.Event {
		t.Helper()
		back.Leave(ctx, "window")
		ev, err := back.Do(ctx, protocol.Command{Type: protocol.CmdJoin, Room: "window", Epoch: epoch, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	if _, err := back.Join(ctx, "window"); err != nil {
		t.Fatal(err)
	}
	send(3, 4)
	ev := rejoin(2)
	if !ev.Recovered || len(ev.Events) != 2 || ev.Events[0].Offset != 3 || ev.Events[1].Offset != 4 {
		t.Fatalf("resume from 2: recovered=%v events %+v, want recovered with 3 and 4", ev.Recovered, ev.Events)
	}
	send(5, 12) // the window of 5 now holds 8..12
	ev = rejoin(4)
	if ev.Recovered || len(ev.Events) != 5 || ev.Events[0].Offset != 8 || ev.Offset != 12 {
		t.Fatalf("resume from 4 beyond the window: recovered=%v first %d count %d, want recovered=false with 8..12", ev.Recovered, ev.Events[0].Offset, len(ev.Events))
	}
	// Another epoch (history lost) is never recovered.
	back.Leave(ctx, "window")
	ev, err := back.Do(ctx, protocol.Command{Type: protocol.CmdJoin, Room: "window", Epoch: "otherepoch", Offset: 12})
	if err != nil || ev.Recovered {
		t.Fatalf("resume in another epoch: recovered=%v, %v; want recovered=false", ev.Recovered, err)
	}
}

// When a room's history is lost (here: its subject purged from the
// JetStream stream behind the nodes' back), the next message starts a new
// epoch at offset 1; a Session resuming with the old epoch gets
// recovered=false with the new history, replaces its view, and from then
// on resumes in the new epoch.
func TestLostHistoryStartsNewEpoch(t *testing.T) {
	t.Parallel()
	ext := testnode.NATS(t, t.TempDir(), "127.0.0.1:-1")
	n := testnode.Start(t, server.Config{NATSURL: ext.ClientURL()})
	proxy := testnode.NewProxy(t, n.WS)
	const room = "amnesia"
	_, log := followRoom(t, client.SessionOptions{
		URLs: []string{proxy.WS}, Name: "reader",
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	}, room)
	sender := testnode.Dial(t, n.WS, "sender")
	if _, err := sender.Join(testnode.Ctx(t), room); err != nil {
		t.Fatal(err)
	}
	var oldEpoch string
	for _, text := range []string{"a", "b", "c"} {
		ack, err := sender.Send(testnode.Ctx(t), room, text)
		if err != nil {
			t.Fatal(err)
		}
		oldEpoch = ack.Epoch
	}
	testnode.WaitFor(t, wait, "the reader to hold 1..3", func() bool { got, _, _ := log.snapshot(); return len(got) == 3 })

	// The reader is cut off and kept away (its new attempts wait in the
	// frozen proxy) while the room's history is lost and a new message
	// comes.
	proxy.Freeze()
	proxy.Cut()
	purgeRoom(t, ext.ClientURL(), room)
	d, err := sender.Send(testnode.Ctx(t), room, "d")
	if err != nil {
		t.Fatal(err)
	}
	if d.Epoch == oldEpoch || d.Epoch == "" || d.Offset != 1 {
		t.Fatalf("first message after the loss: epoch %q offset %d, want a new epoch (not %q) at offset 1", d.Epoch, d.Offset, oldEpoch)
	}
	proxy.Thaw()

	// The reader comes back with (old epoch, 3): not recoverable.
	testnode.WaitFor(t, wait, "the reader to rejoin", func() bool { _, joins, _ := log.snapshot(); return joins == 2 })
	rejoin := log.joinedAnswers()[1]
	if rejoin.Recovered || rejoin.Epoch != d.Epoch || rejoin.Offset != 1 {
		t.Fatalf("rejoin after the loss: recovered=%v epoch %q offset %d, want recovered=false in epoch %q at 1",
			rejoin.Recovered, rejoin.Epoch, rejoin.Offset, d.Epoch)
	}
	if got, _, _ := log.snapshot(); !slices.Equal(got, []uint64{1}) {
		t.Fatalf("the reader holds %v after the rejoin, want [1]: the new history replaces the old", got)
	}
	// The session's position is now in the new epoch: the next message is
	// not taken for one it has, and a later reconnect resumes there.
	if _, err := sender.Send(testnode.Ctx(t), room, "e"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitFor(t, wait, "the reader to hold [1 2]", func() bool { got, _, _ := log.snapshot(); return len(got) == 2 })
	proxy.Cut()
	if _, err := sender.Send(testnode.Ctx(t), room, "f"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitFor(t, wait, "the reader to rejoin again", func() bool { got, joins, _ := log.snapshot(); return joins == 3 && len(got) == 3 })
	again := log.joinedAnswers()[2]
	if !again.Recovered || again.Epoch != d.Epoch {
		t.Fatalf("second rejoin: recovered=%v epoch %q, want recovered in epoch %q", again.Recovered, again.Epoch, d.Epoch)
	}
	if got, _, _ := log.snapshot(); !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Fatalf("the reader holds %v, want [1 2 3] of the new epoch", got)
	}
}

// A room whose history is lost while a session is in it: the first event
// of the new epoch makes the session rejoin, and the server's
// recovered=false answer replaces what it held, instead of mixing epochs.
func TestLostHistoryWhileConnected(t *testing.T) {
	t.Parallel()
	ext := testnode.NATS(t, t.TempDir(), "127.0.0.1:-1")
	n := testnode.Start(t, server.Config{NATSURL: ext.ClientURL()})
	const room = "amnesia-live"
	_, log := followRoom(t, client.SessionOptions{
		URLs: []string{n.WS}, Name: "reader",
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	}, room)
	sender := testnode.Dial(t, n.WS, "sender")
	if _, err := sender.Join(testnode.Ctx(t), room); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"a", "b", "c"} {
		if _, err := sender.Send(testnode.Ctx(t), room, text); err != nil {
			t.Fatal(err)
		}
	}
	testnode.WaitFor(t, wait, "the reader to hold 1..3", func() bool { got, _, _ := log.snapshot(); return len(got) == 3 })

	purgeRoom(t, ext.ClientURL(), room)
	d, err := sender.Send(testnode.Ctx(t), room, "d")
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitFor(t, wait, "the reader to rejoin", func() bool { _, joins, _ := log.snapshot(); return joins == 2 })
	rejoin := log.joinedAnswers()[1]
	if rejoin.Recovered || rejoin.Epoch != d.Epoch || rejoin.Offset != 1 {
		t.Fatalf("rejoin after the loss: recovered=%v epoch %q offset %d, want recovered=false in epoch %q at 1",
			rejoin.Recovered, rejoin.Epoch, rejoin.Offset, d.Epoch)
	}
	if _, err := sender.Send(testnode.Ctx(t), room, "e"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitFor(t, wait, "the reader to hold [1 2]", func() bool { got, _, _ := log.snapshot(); return len(got) == 2 })
	if got, _, _ := log.snapshot(); !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("the reader holds %v, want [1 2] of the new epoch only", got)
	}
}

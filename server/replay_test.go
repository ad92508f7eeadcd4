package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// A client that missed more than one joined frame should carry
// (hub.MaxReplayBytes) is told recovered=false and gets the recent
// history, instead of a frame larger than its read limit.
func TestResumeTooLargeToReplay(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{HistorySize: 5000, MessagesPerSecond: 100000, MessageBurst: 1000})
	ctx := testnode.Ctx(t)
	sender := testnode.Dial(t, n.WS, "sender")
	if _, err := sender.Join(ctx, "big"); err != nil {
		t.Fatal(err)
	}
	first, err := sender.Send(ctx, "big", "first")
	if err != nil {
		t.Fatal(err)
	}
	// 4,000 three-byte characters a message: the smallest count of
	// messages that passes the limit.
	long := strings.Repeat("€", protocol.MaxTextRunes)
	count := hub.MaxReplayBytes/len(long) + 1
	var last protocol.Event
	for i := range count {
		if last, err = sender.Send(ctx, "big", fmt.Sprint(i, long[3*len(fmt.Sprint(i)):])); err != nil {
			t.Fatal(err)
		}
	}
	back := testnode.Dial(t, n.WS, "back")
	resume := func(offset uint64) protocol.Event {
		t.Helper()
		ev, err := back.Do(ctx, protocol.Command{Type: protocol.CmdJoin, Room: "big", Epoch: first.Epoch, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		if err := back.Leave(ctx, "big"); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	ev := resume(first.Offset)
	if ev.Recovered || len(ev.Events) != 100 || !ev.More || ev.Events[len(ev.Events)-1].Offset != last.Offset {
		t.Fatalf("resume after %d long messages: recovered=%v, %d events, more=%v; want recovered=false with the last 100 and more",
			count, ev.Recovered, len(ev.Events), ev.More)
	}
	// A resume that fits is replayed whole.
	ev = resume(last.Offset - 50)
	if !ev.Recovered || len(ev.Events) != 50 || ev.Events[0].Offset != last.Offset-49 {
		t.Fatalf("resume 50 behind: recovered=%v, %d events; want recovered with 50", ev.Recovered, len(ev.Events))
	}
}

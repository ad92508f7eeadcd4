package server_test

import (
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

const wait = 10 * time.Second

func isMessage(room, text string) func(protocol.Event) bool {
	return func(ev protocol.Event) bool {
		return ev.Type == protocol.EvMessage && ev.Room == room && ev.Text == text
	}
}

// Two clients in a room see each other's messages and presence; a third in
// another room sees none of it.
func TestRoomMessagesAndPresence(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	ann := testnode.Dial(t, n.WS, "ann")
	bob := testnode.Dial(t, n.WS, "bob")
	cat := testnode.Dial(t, n.WS, "cat")
	ctx := testnode.Ctx(t)

	joined, err := ann.Join(ctx, "lobby")
	if err != nil {
		t.Fatalf("ann join: %v", err)
	}
	if joined.Count != 1 || len(joined.Members) != 1 || joined.Members[0].Name != "ann" {
		t.Fatalf("ann's joined: count %d members %+v, want only ann", joined.Count, joined.Members)
	}
	if _, err := cat.Join(ctx, "elsewhere"); err != nil {
		t.Fatalf("cat join: %v", err)
	}
	joined, err = bob.Join(ctx, "lobby")
	if err != nil {
		t.Fatalf("bob join: %v", err)
	}
	if joined.Count != 2 {
		t.Fatalf("bob's joined: count %d, want 2 (members %+v)", joined.Count, joined.Members)
	}
	testnode.WaitEvent(t, ann, wait, "bob's presence", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && ev.Room == "lobby" && len(ev.Joined) == 1 && ev.Joined[0].Name == "bob" && ev.Count == 2
	})

	ack, err := ann.Send(ctx, "lobby", "hello bob")
	if err != nil {
		t.Fatalf("ann send: %v", err)
	}
	if ack.Offset != 1 || ack.Epoch == "" {
		t.Fatalf("ack = %+v, want offset 1 and an epoch", ack)
	}
	got, _ := testnode.WaitEvent(t, bob, wait, "ann's message", isMessage("lobby", "hello bob"))
	if got.User == nil || got.User.Name != "ann" || got.Offset != 1 || got.Epoch != ack.Epoch {
		t.Fatalf("bob got %+v, want ann's message at offset 1 epoch %s", got, ack.Epoch)
	}
	testnode.WaitEvent(t, ann, wait, "her own message", isMessage("lobby", "hello bob"))
	if _, err := bob.Send(ctx, "lobby", "hi ann"); err != nil {
		t.Fatalf("bob send: %v", err)
	}
	got, _ = testnode.WaitEvent(t, ann, wait, "bob's message", isMessage("lobby", "hi ann"))
	if got.Offset != 2 {
		t.Fatalf("bob's message offset %d, want 2", got.Offset)
	}

	// cat, in another room, must see nothing of lobby. Her own room's
	// message is the probe that ends the check.
	if _, err := cat.Send(ctx, "elsewhere", "probe"); err != nil {
		t.Fatalf("cat send: %v", err)
	}
	testnode.NoEvent(t, cat, "an event of lobby", func(ev protocol.Event) bool { return ev.Room == "lobby" }, isMessage("elsewhere", "probe"))

	// bob leaves: ann sees him go.
	bob.Close()
	testnode.WaitEvent(t, ann, wait, "bob leaving", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Left) == 1 && ev.Left[0].Name == "bob" && ev.Count == 1
	})
}

// A joining client gets the room's recent history, oldest first.
func TestJoinGetsHistory(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{HistoryOnJoin: 3})
	ann := testnode.Dial(t, n.WS, "ann")
	ctx := testnode.Ctx(t)
	if _, err := ann.Join(ctx, "hist"); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"one", "two", "three", "four"} {
		if _, err := ann.Send(ctx, "hist", text); err != nil {
			t.Fatal(err)
		}
	}
	bob := testnode.Dial(t, n.WS, "bob")
	joined, err := bob.Join(ctx, "hist")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, ev := range joined.Events {
		texts = append(texts, ev.Text)
	}
	if len(texts) != 3 || texts[0] != "two" || texts[2] != "four" || !joined.More || joined.Offset != 4 {
		t.Fatalf("joined history %v more=%v offset=%d, want [two three four] more=true offset=4", texts, joined.More, joined.Offset)
	}
	page, err := bob.Do(ctx, protocol.Command{Type: protocol.CmdHistory, Room: "hist", Offset: 2, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 || page.Events[0].Text != "one" || page.More {
		t.Fatalf("history before 2 = %+v, want [one] and no more", page.Events)
	}
}

package server_test

import (
	"testing"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Reactions are stored events about a message: everyone sees them live,
// a latecomer finds them in history, and a bad one gets a typed error.
func TestReactions(t *testing.T) {
	t.Parallel()
	n, ann, bob := annAndBobIn(t, "reacts")
	ctx := testnode.Ctx(t)
	msg, err := ann.Send(ctx, "reacts", "lunch at noon?")
	if err != nil {
		t.Fatal(err)
	}
	react := func(c *client.Conn, typ protocol.CommandType, target uint64, emoji string) error {
		_, err := c.Do(ctx, protocol.Command{Type: typ, Room: "reacts", Target: target, Text: emoji})
		return err
	}
	if err := react(bob, protocol.CmdReact, msg.Offset, "👍"); err != nil {
		t.Fatalf("react: %v", err)
	}
	ev, _ := testnode.WaitEvent(t, ann, wait, "bob's reaction", func(ev protocol.Event) bool { return ev.Type == protocol.EvReact })
	if ev.Target != msg.Offset || ev.Text != "👍" || ev.User == nil || ev.User.Name != "bob" || ev.Offset <= msg.Offset {
		t.Fatalf("reaction event = %+v", ev)
	}
	if err := react(bob, protocol.CmdUnreact, msg.Offset, "👍"); err != nil {
		t.Fatalf("unreact: %v", err)
	}
	testnode.WaitEvent(t, ann, wait, "bob taking it back", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvUnreact && ev.Target == msg.Offset && ev.Text == "👍"
	})
	if err := react(ann, protocol.CmdReact, msg.Offset, "🎉"); err != nil {
		t.Fatal(err)
	}

	// Only messages take reactions; only emoji are reactions.
	wantCode(t, react(ann, protocol.CmdReact, 999, "👍"), protocol.CodeNotFound)
	wantCode(t, react(ann, protocol.CmdReact, ev.Offset, "👍"), protocol.CodeNotFound)
	wantCode(t, react(ann, protocol.CmdReact, msg.Offset, "<script>"), protocol.CodeBadRequest)
	wantCode(t, react(ann, protocol.CmdReact, msg.Offset, "👍👍"), protocol.CodeBadRequest)
	cat := testnode.Dial(t, n.WS, "cat")
	wantCode(t, react(cat, protocol.CmdReact, msg.Offset, "👍"), protocol.CodeNotJoined)

	// A latecomer's history holds the message and its three reaction events.
	joined, err := cat.Join(ctx, "reacts")
	if err != nil {
		t.Fatal(err)
	}
	var types []protocol.EventType
	for _, e := range joined.Events {
		types = append(types, e.Type)
	}
	want := []protocol.EventType{protocol.EvMessage, protocol.EvReact, protocol.EvUnreact, protocol.EvReact}
	if len(types) != len(want) {
		t.Fatalf("history types = %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("history types = %v, want %v", types, want)
		}
	}
}

// A reply names the message it answers; a reply to nothing is refused.
func TestReplies(t *testing.T) {
	t.Parallel()
	_, ann, bob := annAndBobIn(t, "replies")
	ctx := testnode.Ctx(t)
	q, err := ann.Send(ctx, "replies", "who has the keys?")
	if err != nil {
		t.Fatal(err)
	}
	ack, err := bob.Do(ctx, protocol.Command{Type: protocol.CmdSend, Room: "replies", Target: q.Offset, Text: "I do"})
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	ev, _ := testnode.WaitEvent(t, ann, wait, "bob's reply", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvMessage && ev.Offset == ack.Offset
	})
	if ev.Target != q.Offset || ev.Text != "I do" {
		t.Fatalf("reply = %+v, want target %d", ev, q.Offset)
	}
	_, err = bob.Do(ctx, protocol.Command{Type: protocol.CmdSend, Room: "replies", Target: 999, Text: "to nothing"})
	wantCode(t, err, protocol.CodeNotFound)
	// A reply is idempotent like any send: the retry gets the same offset.
	again, err := bob.Do(ctx, protocol.Command{Type: protocol.CmdSend, ID: ack.Ref, Room: "replies", Target: q.Offset, Text: "I do"})
	if err != nil || again.Offset != ack.Offset {
		t.Fatalf("retried reply = %+v, %v; want offset %d", again, err, ack.Offset)
	}
}

// annAndBobIn starts a node and joins ann and bob to room on it.
func annAndBobIn(t *testing.T, room string) (*testnode.Node, *client.Conn, *client.Conn) {
	t.Helper()
	n := testnode.Start(t, server.Config{})
	ann := testnode.Dial(t, n.WS, "ann")
	bob := testnode.Dial(t, n.WS, "bob")
	for _, c := range []*client.Conn{ann, bob} {
		if _, err := c.Join(testnode.Ctx(t), room); err != nil {
			t.Fatal(err)
		}
	}
	return n, ann, bob
}

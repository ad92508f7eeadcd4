package server_test

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// A direct-message room admits its two people and nobody else (not an
// admin, not a token naming every room); each message also lands in the
// other person's inbox, which only they may read.
func TestDirectMessages(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, withTokens(server.Config{}))
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	bob := testnode.Dial(t, n.WS, "bob")
	cat := testnode.Dial(t, n.WS, "cat")
	annID, bobID := ann.Welcome().User.ID, bob.Welcome().User.ID
	dm, perr := protocol.DirectRoom(annID, bobID)
	if perr != nil {
		t.Fatal(perr)
	}
	bobInbox, _ := protocol.InboxRoom(bobID)

	if _, err := bob.Join(ctx, bobInbox); err != nil {
		t.Fatalf("bob joins his inbox: %v", err)
	}
	if _, err := ann.Join(ctx, dm); err != nil {
		t.Fatalf("ann joins the direct room: %v", err)
	}
	sent, err := ann.Send(ctx, dm, "just between us")
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := testnode.WaitEvent(t, bob, wait, "the direct event in bob's inbox", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvDirect
	})
	if ev.Room != bobInbox || ev.Conversation != dm || ev.Target != sent.Offset || ev.Text != "just between us" || ev.User == nil || ev.User.ID != annID {
		t.Fatalf("inbox event = %+v", ev)
	}
	joined, err := bob.Join(ctx, dm)
	if err != nil {
		t.Fatalf("bob joins the direct room: %v", err)
	}
	if len(joined.Events) != 1 || joined.Events[0].Text != "just between us" {
		t.Fatalf("bob's direct room history = %+v", joined.Events)
	}

	admin := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "a", "name": "Ada", "role": "admin"})})
	everything := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "e", "name": "Eve", "rooms": []string{"*"}})})
	for who, c := range map[string]*client.Conn{"cat": cat, "an admin": admin, "a token for every room": everything} {
		for _, room := range []string{dm, bobInbox, "dm-1-a-b", "dm-junk"} {
			if _, err := c.Join(ctx, room); err == nil {
				t.Fatalf("%s joined %q", who, room)
			} else {
				wantCode(t, err, protocol.CodeForbidden)
			}
		}
	}
	// Neither shows in the room directory, even with people in both.
	watchRooms(t, cat)
	testnode.Dial(t, n.WS, "dee").Join(ctx, "lobby")
	_, seen := testnode.WaitEvent(t, cat, wait, "the directory with lobby", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvRooms && roomsIn(ev)["lobby"]
	})
	for _, ev := range seen {
		if rooms := roomsIn(ev); rooms[dm] || rooms[bobInbox] {
			t.Fatalf("the directory shows private rooms: %+v", ev.Rooms)
		}
	}
}

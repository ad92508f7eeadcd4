package server_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nats-io/nats.go"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/hub"
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
	wantUnlisted(t, n, cat, dm, bobInbox)
}

// wantUnlisted fails t if the room directory c watches lists any of
// rooms (with people in them) by the time it lists a public room someone
// else just joined.
func wantUnlisted(t *testing.T, n *testnode.Node, c *client.Conn, rooms ...string) {
	t.Helper()
	watchRooms(t, c)
	if _, err := testnode.Dial(t, n.WS, "dee").Join(testnode.Ctx(t), "lobby"); err != nil {
		t.Fatal(err)
	}
	_, seen := testnode.WaitEvent(t, c, wait, "the directory with lobby", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvRooms && roomsIn(ev)["lobby"]
	})
	for _, ev := range seen {
		listed := roomsIn(ev)
		for _, r := range rooms {
			if listed[r] {
				t.Fatalf("the directory lists the private room %q: %+v", r, ev.Rooms)
			}
		}
	}
}

// A visitor's conversation admits them and the agents (moderators and
// admins), nobody else; every message there, the visitor's and the
// agents', lands in the agents' inbox, which only agents may read.
func TestConversations(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, withTokens(server.Config{}))
	ctx := testnode.Ctx(t)
	vis := testnode.Dial(t, n.WS, "visitor")
	other := testnode.Dial(t, n.WS, "another visitor")
	agent := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "ag", "name": "Agnes", "role": "moderator"})})
	member := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "me", "name": "Mel", "rooms": []string{"*"}})})
	conv, perr := protocol.ConversationRoom(vis.Welcome().User.ID)
	if perr != nil {
		t.Fatal(perr)
	}
	if _, err := agent.Join(ctx, protocol.AgentsInbox); err != nil {
		t.Fatalf("the agent joins the agents' inbox: %v", err)
	}
	if _, err := vis.Join(ctx, conv); err != nil {
		t.Fatalf("the visitor joins their conversation: %v", err)
	}
	const page = "https://shop.example/orders/1042"
	asked, err := vis.Do(ctx, protocol.Command{Type: protocol.CmdSend, Room: conv, Text: "where is my order?", Page: page})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := testnode.WaitEvent(t, agent, wait, "the question in the agents' inbox", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvDirect
	})
	if ev.Room != protocol.AgentsInbox || ev.Conversation != conv || ev.Target != asked.Offset || ev.Text != "where is my order?" || ev.Page != page {
		t.Fatalf("agents' inbox event = %+v", ev)
	}
	if _, err := agent.Join(ctx, conv); err != nil {
		t.Fatalf("the agent joins the conversation: %v", err)
	}
	if _, err := agent.Send(ctx, conv, "on its way"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, vis, wait, "the agent's answer", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvMessage && ev.Text == "on its way"
	})
	testnode.WaitEvent(t, agent, wait, "the answer in the agents' inbox", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvDirect && ev.Text == "on its way"
	})
	// Pages are the visitor's; resolving is the agents'.
	_, err = agent.Do(ctx, protocol.Command{Type: protocol.CmdSend, Room: conv, Text: "x", Page: page})
	wantCode(t, err, protocol.CodeBadRequest)
	_, err = vis.Do(ctx, protocol.Command{Type: protocol.CmdResolve, Room: conv})
	wantCode(t, err, protocol.CodeForbidden)
	if _, err := agent.Do(ctx, protocol.Command{Type: protocol.CmdResolve, Room: conv}); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	testnode.WaitEvent(t, agent, wait, "resolved in the agents' inbox", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvResolved && ev.Conversation == conv && ev.User != nil && ev.User.Name == "Agnes"
	})
	for who, c := range map[string]*client.Conn{"another visitor": other, "a token for every room": member, "the visitor": vis} {
		rooms := []string{protocol.AgentsInbox}
		if c != vis {
			rooms = append(rooms, conv)
		}
		for _, room := range rooms {
			_, err := c.Join(ctx, room)
			if err == nil {
				t.Fatalf("%s joined %q", who, room)
			}
			wantCode(t, err, protocol.CodeForbidden)
		}
	}
	// Neither shows in the room directory, with people in both.
	wantUnlisted(t, n, other, conv, protocol.AgentsInbox)
}

// The admin token signs its holder in as an agent (an admin) over the
// protocol too, so an operator answers conversations from /inbox without
// a site's JWT; anything else in its place is refused as before.
func TestAdminTokenSignsInAnAgent(t *testing.T) {
	t.Parallel()
	const adminToken = "operator token, long enough"
	n := testnode.Start(t, server.Config{AdminToken: adminToken})
	ctx := testnode.Ctx(t)
	vis := testnode.Dial(t, n.WS, "visitor")
	conv, _ := protocol.ConversationRoom(vis.Welcome().User.ID)
	op := testnode.DialOpts(t, n.WS, client.Options{Token: adminToken, Name: "Olga"})
	if u := op.Welcome().User; u == nil || u.Role != protocol.RoleAdmin || u.Name != "Olga" {
		t.Fatalf("welcome user = %+v, want Olga the admin", u)
	}
	for _, room := range []string{protocol.AgentsInbox, conv} {
		if _, err := op.Join(ctx, room); err != nil {
			t.Fatalf("the operator joins %s: %v", room, err)
		}
	}
	if _, err := client.Dial(ctx, n.WS, client.Options{Token: "operator token, long enougH"}); err == nil {
		t.Fatal("a token one letter off signed in")
	}
}

// A person's inbox sends no presence between nodes: no join, no leave, no
// periodic restatement of its member (each node would otherwise send one
// per connected person every PresenceInterval), while an ordinary room
// joined beside it does.
func TestInboxSendsNoPresence(t *testing.T) {
	t.Parallel()
	ext := testnode.NATS(t, t.TempDir(), "127.0.0.1:-1")
	n := testnode.Start(t, server.Config{NATSURL: ext.ClientURL(), PresenceInterval: 50 * time.Millisecond})
	nc, err := nats.Connect(ext.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	var mu sync.Mutex
	seen := map[string]int{}  // presence messages per room
	left := map[string]bool{} // a leave seen, per room
	sub, err := nc.Subscribe("sb.pres.>", func(m *nats.Msg) {
		var p hub.Presence
		json.Unmarshal(m.Data, &p)
		room := strings.TrimPrefix(m.Subject, "sb.pres.")
		mu.Lock()
		seen[room]++
		left[room] = left[room] || p.Op == hub.PresenceLeave
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	inbox, _ := protocol.InboxRoom(ann.Welcome().User.ID)
	if _, err := ann.Join(ctx, inbox); err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Join(ctx, "lobby"); err != nil {
		t.Fatal(err)
	}
	// The lobby's join, then restatements: by the fifth, the inbox has had
	// its join and four intervals in which to send.
	testnode.WaitFor(t, wait, "five presence messages for the lobby", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return seen["lobby"] >= 5
	})
	if err := ann.Leave(ctx, inbox); err != nil {
		t.Fatal(err)
	}
	if err := ann.Leave(ctx, "lobby"); err != nil {
		t.Fatal(err)
	}
	// The lobby's leave went out after the inbox's would have.
	testnode.WaitFor(t, wait, "the lobby's leave", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return left["lobby"]
	})
	mu.Lock()
	defer mu.Unlock()
	if seen[inbox] != 0 {
		t.Errorf("the inbox sent %d presence messages, want none", seen[inbox])
	}
}

package server_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/server/webhook"
	"github.com/switchboard-rt/switchboard/shared/adminapi"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Several webhooks (the config file's list beside --webhook-url's) each
// receive what their own filters let through, from queues of their own:
// one that fails does not hold up the others, and its dead letter is
// listed under its name.
func TestSeveralWebhooks(t *testing.T) {
	t.Parallel()
	all, orders, broken := newReceiver(t), newReceiver(t), newReceiver(t)
	broken.setAnswer(func(string, protocol.WebhookBody) int { return 500 })
	cfg := withHook(server.Config{AdminToken: adminToken}, all)
	cfg.Webhooks = []server.WebhookConfig{
		{Name: "orders", URL: orders.srv.URL + "/orders", Secret: hookSecret,
			Events: []string{string(protocol.WebhookMessage)}, Rooms: []string{"orders-*"},
			MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond},
		{URL: broken.srv.URL + "/broken", Secret: hookSecret, Rooms: []string{"orders-*"}, Events: messageEvents,
			MaxAttempts: 2, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond},
	}
	n := testnode.Start(t, cfg)
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	for _, room := range []string{"orders-1", "lobby"} {
		if _, err := ann.Join(ctx, room); err != nil {
			t.Fatal(err)
		}
	}
	sent, err := ann.Send(ctx, "orders-1", "two boxes, please")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Do(ctx, protocol.Command{Type: protocol.CmdEdit, ID: "e1", Room: "orders-1", Target: sent.Offset, Text: "three boxes"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Send(ctx, "lobby", "hello"); err != nil {
		t.Fatal(err)
	}
	kinds := func(r *receiver) []string {
		var out []string
		for _, q := range r.accepted() {
			if q.body.Data.Offset > 0 { // room activity: TestWebhookRoomActivity
				out = append(out, string(q.body.Type)+" "+q.body.Data.Room)
			}
		}
		return out
	}
	testnode.WaitFor(t, 20*time.Second, "every message at the unfiltered webhook", func() bool { return len(kinds(all)) >= 3 })
	testnode.WaitFor(t, 20*time.Second, "the message at the orders webhook", func() bool { return len(orders.accepted()) >= 1 })
	if got, want := kinds(all), []string{"message.created orders-1", "message.edited orders-1", "message.created lobby"}; !slices.Equal(got, want) {
		t.Errorf("unfiltered webhook got %q, want %q", got, want)
	}
	if got, want := kinds(orders), []string{"message.created orders-1"}; !slices.Equal(got, want) {
		t.Errorf("orders webhook got %q, want %q", got, want)
	}
	// The broken webhook's first event is dead-lettered under its name
	// (its URL's host and path); the others went on meanwhile.
	var dl adminapi.DeadLetters
	testnode.WaitFor(t, 20*time.Second, "the broken webhook's dead letter", func() bool {
		code, _ := adminCall(t, http.MethodGet, n.HTTP.URL+adminapi.PathDeadLetters, adminToken, nil, &dl)
		return code == 200 && len(dl.Letters) >= 1
	})
	if l := dl.Letters[0]; l.Webhook != broken.srv.Listener.Addr().String()+"/broken" || l.Offset != sent.Offset {
		t.Errorf("dead letter %+v, want the broken webhook's, at offset %d", l, sent.Offset)
	}
}

// Room activity reaches the webhook signed, in the order it happened:
// people coming (member.joined, once per person however many connections)
// and going (member.left, with their last connection), the room filling
// and emptying, and kicks and bans with the moderator, the reason and a
// ban's end.
func TestWebhookRoomActivity(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	cfg := withHook(withTokens(server.Config{}), rcv)
	cfg.WebhookEvents = []string{"member.joined", "member.left", "room.occupied", "room.vacated", "member.kicked", "member.banned"}
	n := testnode.Start(t, cfg)
	ctx := testnode.Ctx(t)
	mod := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "m", "name": "Mod", "role": "moderator"})})
	bob := testnode.Dial(t, n.WS, "bob")
	bob2 := testnode.DialOpts(t, n.WS, client.Options{Name: "bob", Session: bob.Welcome().Session}) // bob's second tab
	for _, c := range []*client.Conn{mod, bob, bob2} {
		if _, err := c.Join(ctx, "act"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bob.Send(ctx, "act", "not room activity"); err != nil {
		t.Fatal(err)
	}
	bobID := bob.Welcome().User.ID
	if _, err := mod.Do(ctx, protocol.Command{Type: protocol.CmdKick, ID: "k1", Room: "act", User: bobID, Text: "cool it"}); err != nil {
		t.Fatalf("kick: %v", err)
	}
	testnode.WaitFor(t, 10*time.Second, "bob out of the room", func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return slices.ContainsFunc(rcv.reqs, func(q received) bool { return q.body.Type == protocol.WebhookLeft })
	})
	before := time.Now()
	if _, err := mod.Do(ctx, protocol.Command{Type: protocol.CmdBan, ID: "b1", Room: "act", User: bobID, Seconds: 3600, Text: "for an hour"}); err != nil {
		t.Fatalf("ban: %v", err)
	}
	if err := mod.Leave(ctx, "act"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"member.joined Mod", "room.occupied -", "member.joined bob",
		"member.kicked bob by Mod: cool it", "member.left bob",
		// Out of the room already: known by id alone.
		"member.banned id:" + bobID + " by Mod: for an hour", "member.left Mod", "room.vacated -",
	}
	describe := func() []string {
		var out []string
		for _, q := range rcv.accepted() {
			d := q.body.Data
			s := string(q.body.Type)
			switch {
			case d.User != nil && d.User.Name == "":
				s += " id:" + d.User.ID
			case d.User != nil:
				s += " " + d.User.Name
			default:
				s += " -"
			}
			if d.By != nil {
				s += " by " + d.By.Name + ": " + d.Text
			}
			out = append(out, s)
		}
		return out
	}
	testnode.WaitFor(t, 20*time.Second, "every activity webhook", func() bool { return len(rcv.accepted()) >= len(want) })
	if got := describe(); !slices.Equal(got, want) {
		t.Fatalf("room activity:\n got %q\nwant %q", got, want)
	}
	for _, q := range rcv.accepted() {
		d := q.body.Data
		if d.Room != "act" || d.Offset != 0 || d.ID == "" || d.Time == 0 || q.id != webhook.ID(protocol.Event{Room: d.Room, ID: d.ID}) {
			t.Errorf("%s: %+v (id %s)", q.body.Type, d, q.id)
		}
		if q.body.Type == protocol.WebhookBanned {
			if until := time.UnixMilli(d.Until); until.Before(before.Add(time.Hour-time.Second)) || until.After(time.Now().Add(time.Hour)) {
				t.Errorf("ban until %v, want an hour from %v", until, before)
			}
		}
	}
}

// A crash leaves a room stored as occupied with nobody in it (the node
// could not store its people's leaving): the sweep of the node started
// again finds nobody there and sends their member.left and the room's
// room.vacated.
func TestWebhookActivityAfterACrash(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	cfg := withHook(server.Config{ActivitySweep: 200 * time.Millisecond}, rcv)
	cfg.WebhookEvents = []string{"member.joined", "member.left", "room.occupied", "room.vacated"}
	r := testnode.StartRestartable(t, cfg)
	ann := testnode.Dial(t, r.WS, "ann")
	if _, err := ann.Join(testnode.Ctx(t), "crash"); err != nil {
		t.Fatal(err)
	}
	types := func() []protocol.WebhookType {
		var out []protocol.WebhookType
		for _, q := range rcv.accepted() {
			out = append(out, q.body.Type)
		}
		return out
	}
	testnode.WaitFor(t, 10*time.Second, "ann's joined and the room occupied", func() bool { return len(types()) >= 2 })
	r.Kill()
	r.Start()
	testnode.WaitFor(t, 20*time.Second, "the sweep's left and vacated", func() bool { return len(types()) >= 4 })
	want := []protocol.WebhookType{protocol.WebhookJoined, protocol.WebhookOccupied, protocol.WebhookLeft, protocol.WebhookVacated}
	if got := types(); !slices.Equal(got, want) {
		t.Fatalf("webhooks %v, want %v", got, want)
	}
}

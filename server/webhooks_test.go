package server_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/adminapi"
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
		{URL: broken.srv.URL + "/broken", Secret: hookSecret, Rooms: []string{"orders-*"},
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
			out = append(out, string(q.body.Type)+" "+q.body.Data.Room)
		}
		return out
	}
	testnode.WaitFor(t, 20*time.Second, "every event at the unfiltered webhook", func() bool { return len(all.accepted()) >= 3 })
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

package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/server/webhook"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// hookSecret is a Standard Webhooks secret (whsec_ and base64).
const hookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// received is one request a receiver accepted or refused.
type received struct {
	id       string
	body     protocol.WebhookBody
	accepted bool
}

// receiver is a real HTTP webhook receiver on loopback: it checks every
// request's signature with the Standard Webhooks library, and answers
// with what answer says (200 when nil).
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	verify *standardwebhooks.Webhook
	answer atomic.Pointer[func(id string, body protocol.WebhookBody) int]

	mu   sync.Mutex
	reqs []received
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t}
	var err error
	if r.verify, err = standardwebhooks.NewWebhook(hookSecret); err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	data, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	if err := r.verify.Verify(data, req.Header); err != nil {
		r.t.Errorf("a webhook request does not verify: %v", err)
		http.Error(w, "bad signature", 401)
		return
	}
	var body protocol.WebhookBody
	if err := json.Unmarshal(data, &body); err != nil {
		r.t.Errorf("a webhook body does not decode: %v: %s", err, data)
		http.Error(w, "bad body", 400)
		return
	}
	id := req.Header.Get("webhook-id")
	code := 200
	if f := r.answer.Load(); f != nil {
		code = (*f)(id, body)
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, received{id: id, body: body, accepted: code < 300})
	r.mu.Unlock()
	w.WriteHeader(code)
}

func (r *receiver) setAnswer(f func(id string, body protocol.WebhookBody) int) { r.answer.Store(&f) }

// accepted returns the first accepted request of each id, in arrival order.
func (r *receiver) accepted() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	var out []received
	for _, q := range r.reqs {
		if q.accepted && !seen[q.id] {
			seen[q.id] = true
			out = append(out, q)
		}
	}
	return out
}

// count returns how many requests carried id, and how many were accepted.
func (r *receiver) count(id string) (all, ok int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, q := range r.reqs {
		if q.id == id {
			all++
			if q.accepted {
				ok++
			}
		}
	}
	return all, ok
}

// messageEvents filters a webhook to the room log's events.
var messageEvents = []string{string(protocol.WebhookMessage), string(protocol.WebhookEdit), string(protocol.WebhookDelete)}

// down makes the receiver answer 503 until up is called.
func (r *receiver) down() (up func()) {
	var down atomic.Bool
	down.Store(true)
	r.setAnswer(func(string, protocol.WebhookBody) int {
		if down.Load() {
			return 503
		}
		return 200
	})
	return func() { down.Store(false) }
}

// waitAttempt waits for the receiver's first request.
func (r *receiver) waitAttempt(t *testing.T) {
	t.Helper()
	testnode.WaitFor(t, 10*time.Second, "an attempt at the receiver", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.reqs) > 0
	})
}

func withHook(cfg server.Config, r *receiver) server.Config {
	cfg.WebhookURL, cfg.WebhookSecret = r.srv.URL+"/hook", hookSecret
	cfg.WebhookMinBackoff, cfg.WebhookMaxBackoff = 10*time.Millisecond, 50*time.Millisecond
	cfg.WebhookHold = time.Second
	return cfg
}

// Every stored event type reaches the receiver signed (verified with the
// Standard Webhooks library), in order, with its data and a webhook-id
// that depends only on where it is stored; rooms outside the hook's
// patterns are not sent.
func TestWebhooksSignedAndInOrder(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	cfg := withHook(server.Config{}, rcv)
	cfg.WebhookRooms = []string{"support-*"}
	cfg.WebhookEvents = messageEvents // room activity: TestWebhookRoomActivity
	n := testnode.Start(t, cfg)
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	for _, room := range []string{"support-1", "lobby"} {
		if _, err := ann.Join(ctx, room); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ann.Send(ctx, "lobby", "not for the hook"); err != nil {
		t.Fatal(err)
	}
	sent, err := ann.Send(ctx, "support-1", "my order is late")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []protocol.Command{
		{Type: protocol.CmdEdit, ID: "e1", Room: "support-1", Target: sent.Offset, Text: "my order #42 is late"},
		{Type: protocol.CmdDelete, ID: "d1", Room: "support-1", Target: sent.Offset},
	} {
		if _, err := ann.Do(ctx, cmd); err != nil {
			t.Fatal(err)
		}
	}
	testnode.WaitFor(t, 20*time.Second, "three webhooks", func() bool { return len(rcv.accepted()) >= 3 })
	got := rcv.accepted()
	want := []protocol.WebhookType{protocol.WebhookMessage, protocol.WebhookEdit, protocol.WebhookDelete}
	for i, q := range got[:3] {
		d := q.body.Data
		if q.body.Type != want[i] || d.Room != "support-1" || d.Offset != sent.Offset+uint64(i) || d.User == nil || d.User.Name != "ann" {
			t.Errorf("webhook %d: %+v, want %s in support-1 at offset %d from ann", i, q.body, want[i], sent.Offset+uint64(i))
		}
		if q.id != webhook.EventID(d.Room, d.Epoch, d.Offset) {
			t.Errorf("webhook %d: id %q, want the event's id", i, q.id)
		}
		if _, err := time.Parse(time.RFC3339Nano, q.body.Timestamp); err != nil {
			t.Errorf("webhook %d: timestamp %q: %v", i, q.body.Timestamp, err)
		}
	}
	if got[0].body.Data.Text != "my order is late" || got[1].body.Data.Text != "my order #42 is late" || got[2].body.Data.Target != sent.Offset {
		t.Errorf("texts and targets: %+v", got[:3])
	}
	for _, q := range got {
		if q.body.Data.Room == "lobby" {
			t.Errorf("a room outside the hook's patterns was sent: %+v", q.body)
		}
	}
}

// A receiver that fails three times and then accepts gets the event four
// times with the same id, and not again; one that never accepts gets the
// retry budget, then the event goes to the dead letters and the next one
// is delivered.
func TestWebhookRetriesAndDeadLetters(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	var failures sync.Map // id → failures so far
	rcv.setAnswer(func(id string, b protocol.WebhookBody) int {
		switch {
		case strings.HasPrefix(b.Data.Text, "flaky"):
			v, _ := failures.LoadOrStore(id, new(atomic.Int32))
			if v.(*atomic.Int32).Add(1) <= 3 {
				return 503
			}
		case strings.HasPrefix(b.Data.Text, "poison"):
			return 500
		}
		return 200
	})
	cfg := withHook(server.Config{}, rcv)
	cfg.WebhookMaxAttempts = 5
	n := testnode.Start(t, cfg)
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	if _, err := ann.Join(ctx, "r"); err != nil {
		t.Fatal(err)
	}
	var acks []protocol.Event
	for _, text := range []string{"flaky", "poison", "after"} {
		ack, err := ann.Send(ctx, "r", text)
		if err != nil {
			t.Fatal(err)
		}
		acks = append(acks, ack)
	}
	id := func(i int) string { return webhook.EventID("r", acks[i].Epoch, acks[i].Offset) }
	testnode.WaitFor(t, 20*time.Second, "the message after the poison one", func() bool { _, ok := rcv.count(id(2)); return ok == 1 })
	if all, ok := rcv.count(id(0)); all != 4 || ok != 1 {
		t.Errorf("the flaky event came %d times (%d accepted), want 4 (1)", all, ok)
	}
	if all, ok := rcv.count(id(1)); all != 5 || ok != 0 {
		t.Errorf("the poison event came %d times (%d accepted), want the budget of 5 (0)", all, ok)
	}
	testnode.WaitFor(t, 10*time.Second, "the dead letter to be counted", func() bool {
		return metric(scrape(t, n.HTTP.URL+"/metrics"), "switchboard_webhook_dead_letters_total") == 1
	})
}

// The node stopped abruptly with 100 events not yet delivered (the
// receiver was down) delivers all 100 after it starts again: none lost,
// each room's in order.
func TestWebhooksSurviveRestart(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	up := rcv.down()
	cfg := withHook(server.Config{MessagesPerSecond: 1000, MessageBurst: 200}, rcv)
	cfg.WebhookMaxAttempts = 1000
	cfg.WebhookEvents = messageEvents
	r := testnode.StartRestartable(t, cfg)
	ann := testnode.Dial(t, r.WS, "ann")
	const total = 100
	testnode.JoinAndSend(t, ann, []string{"a", "b"}, total)
	rcv.waitAttempt(t)
	r.Kill()
	up()
	r.Start()
	testnode.WaitFor(t, 60*time.Second, "all 100 events", func() bool { return len(rcv.accepted()) >= total })
	last := map[string]uint64{}
	for _, q := range rcv.accepted() {
		d := q.body.Data
		if d.Offset <= last[d.Room] {
			t.Errorf("room %s: offset %d after %d", d.Room, d.Offset, last[d.Room])
		}
		last[d.Room] = d.Offset
	}
	if got := len(rcv.accepted()); got != total {
		t.Errorf("%d distinct events accepted, want %d", got, total)
	}
}

// On a three-node cluster sharing one NATS cluster, each event is
// delivered by exactly one node: messages, and the room activity every
// node sees (each person's joined and left, the room's occupied and
// vacated), which every node records and the broker stores once.
func TestWebhooksOnceAcrossACluster(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	natsServers := testnode.NATSCluster(t, 3)
	var nodes []*testnode.Node
	for i, ns := range natsServers {
		nodes = append(nodes, testnode.Start(t, withHook(server.Config{
			NATSURL: ns.ClientURL(), Replicas: 3, Node: fmt.Sprintf("h%d", i),
			PresenceInterval: 200 * time.Millisecond,
		}, rcv)))
	}
	ctx := testnode.Ctx(t)
	const each = 10
	var clients []*client.Conn
	for i, n := range nodes {
		c := testnode.Dial(t, n.WS, fmt.Sprint("p", i))
		if _, err := c.Join(ctx, "shared"); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	for j := range each {
		for i, c := range clients {
			if _, err := c.Send(ctx, "shared", fmt.Sprintf("n%d-%d", i, j)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range clients {
		c.Close()
	}
	// Everyone has gone once the room is vacated; its webhook comes after
	// every earlier event (the queue is in order).
	vacated := func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		for _, q := range rcv.reqs {
			if q.accepted && q.body.Type == protocol.WebhookVacated {
				return true
			}
		}
		return false
	}
	testnode.WaitFor(t, 30*time.Second, "room.vacated", vacated)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	times := map[string]int{}
	kinds := map[protocol.WebhookType]int{}
	people := map[string][]protocol.WebhookType{}
	var offsets []uint64
	for _, q := range rcv.reqs {
		if times[q.id]++; times[q.id] > 1 {
			continue
		}
		kinds[q.body.Type]++
		switch q.body.Type {
		case protocol.WebhookMessage:
			offsets = append(offsets, q.body.Data.Offset)
		case protocol.WebhookJoined, protocol.WebhookLeft:
			people[q.body.Data.User.Name] = append(people[q.body.Data.User.Name], q.body.Type)
		}
	}
	want := map[protocol.WebhookType]int{
		protocol.WebhookMessage: each * len(nodes), protocol.WebhookJoined: len(nodes), protocol.WebhookLeft: len(nodes),
		protocol.WebhookOccupied: 1, protocol.WebhookVacated: 1,
	}
	if !maps.Equal(kinds, want) {
		t.Errorf("distinct events delivered by type: %v, want %v", kinds, want)
	}
	for name, seq := range people {
		if !slices.Equal(seq, []protocol.WebhookType{protocol.WebhookJoined, protocol.WebhookLeft}) {
			t.Errorf("%s: %v, want joined then left", name, seq)
		}
	}
	for id, k := range times {
		if k != 1 {
			t.Errorf("event %s delivered %d times, want once", id, k)
		}
	}
	if !slices.IsSorted(offsets) {
		t.Errorf("delivered out of order: %v", offsets)
	}
}

// When the nodes of a cluster die, one of them perhaps in the middle of an
// event's retries, the node left delivers every event, each once with its
// id, in order, once the dead node's hold on its event has passed.
func TestWebhooksSurviveNodeDeaths(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	up := rcv.down()
	natsServers := testnode.NATSCluster(t, 3)
	var nodes []*testnode.Node
	for i, ns := range natsServers {
		cfg := withHook(server.Config{NATSURL: ns.ClientURL(), Replicas: 3, Node: fmt.Sprintf("d%d", i)}, rcv)
		cfg.WebhookEvents, cfg.WebhookMaxAttempts = messageEvents, 1000
		nodes = append(nodes, testnode.Start(t, cfg))
	}
	ann := testnode.Dial(t, nodes[0].WS, "ann")
	const total = 10
	testnode.JoinAndSend(t, ann, []string{"deaths"}, total)
	rcv.waitAttempt(t)
	nodes[0].Kill()
	nodes[1].Kill()
	up()
	testnode.WaitFor(t, 30*time.Second, "every event from the node left", func() bool { return len(rcv.accepted()) >= total })
	var offsets []uint64
	for _, q := range rcv.accepted() {
		offsets = append(offsets, q.body.Data.Offset)
		if _, ok := rcv.count(q.id); ok != 1 {
			t.Errorf("event %s accepted %d times, want once", q.id, ok)
		}
	}
	if len(offsets) != total || !slices.IsSorted(offsets) {
		t.Errorf("offsets delivered %v, want %d in order", offsets, total)
	}
}

// Bad webhook settings stop the node at start with the setting named.
func TestWebhookSettingsCheckedAtStart(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cfg  server.Config
		want string
	}{
		{server.Config{DataDir: "d", WebhookURL: "not a url", WebhookSecret: hookSecret}, "WebhookURL: webhook URL"},
		{server.Config{DataDir: "d", WebhookURL: "https://example.com/h", WebhookSecret: "hunter2"}, "whsec_"},
		{server.Config{DataDir: "d", WebhookSecret: hookSecret}, "WebhookURL: is required"},
		{server.Config{DataDir: "d", WebhookURL: "https://example.com/h", WebhookSecret: hookSecret, WebhookEvents: []string{"join"}}, "event type"},
	} {
		err := c.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), hookSecret) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

package hub_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server/broker/memory"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// The hub's own tests run on the broker's in-memory twin (broker/memory,
// held to the NATS broker by the conformance suite in broker/brokertest):
// no NATS, so they take well under a second. Tests of the whole node, with
// NATS, sockets and browsers, live in package server and its e2e.

// member is a hub.Conn that keeps every event delivered to it (a batch
// frame's events one by one), as a connection whose writer keeps up.
type member struct {
	id     string
	user   protocol.User
	access hub.Access

	mu     sync.Mutex
	events []protocol.Event
}

func newMember(name string) *member {
	return &member{id: "c-" + name, user: protocol.User{ID: "u-" + name, Name: name}}
}

func (m *member) ID() string          { return m.id }
func (m *member) User() protocol.User { return m.user }
func (m *member) Access() hub.Access  { return m.access }

func (m *member) Deliver(frame []byte) bool {
	ev, err := protocol.DecodeEvent(frame)
	if err != nil {
		panic(fmt.Sprintf("the hub delivered a frame that does not decode: %v: %s", err, frame))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if ev.Type == protocol.EvBatch {
		m.events = append(m.events, ev.Events...)
	} else {
		m.events = append(m.events, ev)
	}
	return true
}

// got returns the events of type typ delivered so far.
func (m *member) got(typ protocol.EventType) []protocol.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []protocol.Event
	for _, ev := range m.events {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// startHub starts a node's hub on cluster, running until the test ends.
func startHub(t *testing.T, cluster *memory.Cluster, node string, opts hub.Options) *hub.Hub {
	t.Helper()
	opts.Node = node
	h := hub.New(cluster.Node(), opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; h.Close() })
	return h
}

func ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func join(t *testing.T, h *hub.Hub, m *member, cmd protocol.Command) protocol.Event {
	t.Helper()
	if cmd.Type == "" {
		cmd.Type = protocol.CmdJoin
	}
	before := len(m.got(protocol.EvJoined))
	if perr := h.Join(ctx(t), m, cmd); perr != nil {
		t.Fatalf("%s joins %s: %v", m.user.Name, cmd.Room, perr)
	}
	joined := m.got(protocol.EvJoined)
	if len(joined) != before+1 {
		t.Fatalf("%s joined %s without a joined event", m.user.Name, cmd.Room)
	}
	return joined[len(joined)-1]
}

func offsets(evs []protocol.Event) []uint64 {
	var out []uint64
	for _, ev := range evs {
		out = append(out, ev.Offset)
	}
	return out
}

func upTo(n int) []uint64 {
	var out []uint64
	for i := 1; i <= n; i++ {
		out = append(out, uint64(i))
	}
	return out
}

// Every member of a room, on this node and another, gets every message
// exactly once, in offset order, sync and async sends alike; the sender's
// acks carry the offsets.
func TestMessagesReachEveryMemberOnce(t *testing.T) {
	t.Parallel()
	cluster := memory.New(memory.Options{})
	h1 := startHub(t, cluster, "n1", hub.Options{})
	h2 := startHub(t, cluster, "n2", hub.Options{})
	ann, bob, cy := newMember("ann"), newMember("bob"), newMember("cy")
	join(t, h1, ann, protocol.Command{Room: "r"})
	join(t, h1, bob, protocol.Command{Room: "r"})
	join(t, h2, cy, protocol.Command{Room: "r"})

	const n = 60
	var mu sync.Mutex
	var acks []uint64
	for i := range n {
		cmd := protocol.Command{Type: protocol.CmdSend, ID: fmt.Sprint("m", i), Room: "r", Text: fmt.Sprint("hello ", i)}
		if i%2 == 0 {
			ack, perr := h1.Send(ctx(t), ann, cmd)
			if perr != nil {
				t.Fatal(perr)
			}
			mu.Lock()
			acks = append(acks, ack.Offset)
			mu.Unlock()
			continue
		}
		h1.SendAsync(ann, cmd, func(ack protocol.Event, perr *protocol.Error) {
			if perr != nil {
				t.Errorf("async send: %v", perr)
			}
			mu.Lock()
			acks = append(acks, ack.Offset)
			mu.Unlock()
		})
	}
	for _, m := range []*member{ann, bob, cy} {
		waitFor(t, m.user.Name+" to get every message", func() bool { return len(m.got(protocol.EvMessage)) >= n })
		msgs := m.got(protocol.EvMessage)
		if got := offsets(msgs); !slices.Equal(got, upTo(n)) {
			t.Errorf("%s got offsets %v", m.user.Name, got)
		}
		for i, ev := range msgs {
			if ev.Text != fmt.Sprint("hello ", i) || ev.User == nil || ev.User.Name != "ann" {
				t.Errorf("%s: message %d is %+v", m.user.Name, i, ev)
			}
		}
	}
	waitFor(t, "every ack", func() bool { mu.Lock(); defer mu.Unlock(); return len(acks) == n })
	slices.Sort(acks)
	if !slices.Equal(acks, upTo(n)) {
		t.Errorf("acks %v", acks)
	}
}

// A message sent again with the same id (a retry) is stored once and
// answered with the first offset; another person's same id is theirs.
func TestRetriedSendStoredOnce(t *testing.T) {
	t.Parallel()
	h := startHub(t, memory.New(memory.Options{}), "n1", hub.Options{})
	ann, bob := newMember("ann"), newMember("bob")
	join(t, h, ann, protocol.Command{Room: "r"})
	join(t, h, bob, protocol.Command{Room: "r"})
	cmd := protocol.Command{Type: protocol.CmdSend, ID: "same", Room: "r", Text: "once"}
	first, perr := h.Send(ctx(t), ann, cmd)
	if perr != nil {
		t.Fatal(perr)
	}
	again, perr := h.Send(ctx(t), ann, cmd)
	if perr != nil || again.Offset != first.Offset {
		t.Fatalf("retry acked %+v, %v; want offset %d", again, perr, first.Offset)
	}
	theirs, perr := h.Send(ctx(t), bob, cmd)
	if perr != nil || theirs.Offset != first.Offset+1 {
		t.Fatalf("bob's message with the same id acked %+v, %v", theirs, perr)
	}
	waitFor(t, "both messages", func() bool { return len(ann.got(protocol.EvMessage)) == 2 })
}

// A member that comes back with its position gets exactly what it missed
// (recovered); one without a position gets the recent history.
func TestResumeFromPosition(t *testing.T) {
	t.Parallel()
	h := startHub(t, memory.New(memory.Options{}), "n1", hub.Options{HistoryOnJoin: 3})
	ann, bob := newMember("ann"), newMember("bob")
	join(t, h, ann, protocol.Command{Room: "r"})
	join(t, h, bob, protocol.Command{Room: "r"})
	send := func(i int) {
		if _, perr := h.Send(ctx(t), bob, protocol.Command{Type: protocol.CmdSend, ID: fmt.Sprint("m", i), Room: "r", Text: fmt.Sprint(i)}); perr != nil {
			t.Fatal(perr)
		}
	}
	for i := 1; i <= 5; i++ {
		send(i)
	}
	waitFor(t, "ann to get five", func() bool { return len(ann.got(protocol.EvMessage)) == 5 })
	last := ann.got(protocol.EvMessage)[4]
	if !h.Leave(ann, "r") {
		t.Fatal("ann was not in the room")
	}
	for i := 6; i <= 9; i++ {
		send(i)
	}
	back := join(t, h, ann, protocol.Command{Room: "r", Epoch: last.Epoch, Offset: last.Offset})
	if !back.Recovered || !slices.Equal(offsets(back.Events), []uint64{6, 7, 8, 9}) {
		t.Errorf("resume: recovered %v, offsets %v; want 6..9", back.Recovered, offsets(back.Events))
	}
	cy := newMember("cy")
	fresh := join(t, h, cy, protocol.Command{Room: "r"})
	if fresh.Recovered || !slices.Equal(offsets(fresh.Events), []uint64{7, 8, 9}) || !fresh.More {
		t.Errorf("fresh join: recovered %v, offsets %v, more %v; want the last 3 and more", fresh.Recovered, offsets(fresh.Events), fresh.More)
	}
	// A position from another epoch is not resumed.
	dan := newMember("dan")
	lost := join(t, h, dan, protocol.Command{Room: "r", Epoch: "gone", Offset: 2})
	if lost.Recovered {
		t.Error("a position of another epoch was resumed")
	}
}

// People in a room see each other across nodes, arriving and leaving.
func TestPresenceAcrossNodes(t *testing.T) {
	t.Parallel()
	cluster := memory.New(memory.Options{})
	h1 := startHub(t, cluster, "n1", hub.Options{})
	h2 := startHub(t, cluster, "n2", hub.Options{})
	ann, bob := newMember("ann"), newMember("bob")
	join(t, h1, ann, protocol.Command{Room: "p"})
	join(t, h2, bob, protocol.Command{Room: "p"})
	waitFor(t, "ann to see bob arrive", func() bool {
		for _, ev := range ann.got(protocol.EvPresence) {
			for _, u := range ev.Joined {
				if u.Name == "bob" {
					return true
				}
			}
		}
		return false
	})
	members, perr := h1.Members(ctx(t), "p")
	if perr != nil || len(members) != 2 {
		t.Errorf("members on n1: %v, %v; want ann and bob", members, perr)
	}
	h2.Disconnect(bob)
	waitFor(t, "ann to see bob leave", func() bool {
		for _, ev := range ann.got(protocol.EvPresence) {
			for _, u := range ev.Left {
				if u.Name == "bob" {
					return true
				}
			}
		}
		return false
	})
}

// Bans and private rooms keep people out, with typed errors.
func TestAdmission(t *testing.T) {
	t.Parallel()
	h := startHub(t, memory.New(memory.Options{}), "n1", hub.Options{PrivateRooms: []string{"staff-*"}})
	mod := newMember("mod")
	mod.access = hub.Access{Role: protocol.RoleModerator}
	troll, guest, staff := newMember("troll"), newMember("guest"), newMember("staff")
	staff.access = hub.Access{Rooms: []string{"staff-*"}}
	join(t, h, mod, protocol.Command{Room: "lobby"})
	join(t, h, troll, protocol.Command{Room: "lobby"})

	if _, perr := h.Kick(ctx(t), mod, protocol.Command{Type: protocol.CmdBan, ID: "k1", Room: "lobby", User: troll.user.ID, Seconds: 60}); perr != nil {
		t.Fatalf("kick: %v", perr)
	}
	if perr := h.Join(ctx(t), troll, protocol.Command{Type: protocol.CmdJoin, Room: "lobby"}); perr == nil || perr.Code != protocol.CodeBanned {
		t.Errorf("a banned person joined: %v", perr)
	}
	if perr := h.Join(ctx(t), guest, protocol.Command{Type: protocol.CmdJoin, Room: "staff-room"}); perr == nil || perr.Code != protocol.CodeForbidden {
		t.Errorf("a guest joined a private room: %v", perr)
	}
	join(t, h, staff, protocol.Command{Room: "staff-room"})
	if _, perr := h.Kick(ctx(t), guest, protocol.Command{Type: protocol.CmdKick, ID: "k2", Room: "lobby", User: mod.user.ID}); perr == nil || perr.Code != protocol.CodeForbidden {
		t.Errorf("a guest kicked someone: %v", perr)
	}
}

// Only the author edits a message; the edit reaches the room.
func TestEditOwnMessages(t *testing.T) {
	t.Parallel()
	h := startHub(t, memory.New(memory.Options{}), "n1", hub.Options{})
	ann, bob := newMember("ann"), newMember("bob")
	join(t, h, ann, protocol.Command{Room: "e"})
	join(t, h, bob, protocol.Command{Room: "e"})
	ack, perr := h.Send(ctx(t), ann, protocol.Command{Type: protocol.CmdSend, ID: "m1", Room: "e", Text: "helo"})
	if perr != nil {
		t.Fatal(perr)
	}
	if _, perr := h.Edit(ctx(t), bob, protocol.Command{Type: protocol.CmdEdit, ID: "e1", Room: "e", Target: ack.Offset, Text: "hacked"}); perr == nil {
		t.Error("bob edited ann's message")
	}
	if _, perr := h.Edit(ctx(t), ann, protocol.Command{Type: protocol.CmdEdit, ID: "e2", Room: "e", Target: ack.Offset, Text: "hello"}); perr != nil {
		t.Fatalf("ann's edit: %v", perr)
	}
	waitFor(t, "bob to see the edit", func() bool {
		edits := bob.got(protocol.EvEdit)
		return len(edits) == 1 && edits[0].Text == "hello" && edits[0].Target == ack.Offset
	})
}

// hooks is a Hooks that refuses joins of "closed" and messages saying
// "spam", and rewrites "darn".
type hooks struct{}

func (hooks) Join(_ context.Context, _ protocol.User, room string) *protocol.Error {
	if room == "closed" {
		return &protocol.Error{Code: protocol.CodeRefused, Message: "This room opens at 9:00."}
	}
	return nil
}

func (hooks) Publish(_ context.Context, _ protocol.User, _, text string, _ uint64) (string, *protocol.Error) {
	if strings.Contains(text, "spam") {
		return "", &protocol.Error{Code: protocol.CodeRefused, Message: "No spam, please."}
	}
	return strings.ReplaceAll(text, "darn", "d**n"), nil
}

// The hooks refuse joins and messages with their reason, and what they
// rewrite is what is stored and delivered, sync, async and edited alike.
func TestHooks(t *testing.T) {
	t.Parallel()
	h := startHub(t, memory.New(memory.Options{}), "n1", hub.Options{Hooks: hooks{}})
	ann := newMember("ann")
	if perr := h.Join(ctx(t), ann, protocol.Command{Type: protocol.CmdJoin, Room: "closed"}); perr == nil || perr.Code != protocol.CodeRefused || perr.Message != "This room opens at 9:00." {
		t.Errorf("join of a closed room: %v", perr)
	}
	join(t, h, ann, protocol.Command{Room: "open"})
	if _, perr := h.Send(ctx(t), ann, protocol.Command{Type: protocol.CmdSend, ID: "s1", Room: "open", Text: "buy spam"}); perr == nil || perr.Code != protocol.CodeRefused {
		t.Errorf("spam: %v", perr)
	}
	refused := make(chan *protocol.Error, 1)
	h.SendAsync(ann, protocol.Command{Type: protocol.CmdSend, ID: "s2", Room: "open", Text: "more spam"}, func(_ protocol.Event, perr *protocol.Error) { refused <- perr })
	if perr := <-refused; perr == nil || perr.Code != protocol.CodeRefused {
		t.Errorf("async spam: %v", perr)
	}
	ack, perr := h.Send(ctx(t), ann, protocol.Command{Type: protocol.CmdSend, ID: "s3", Room: "open", Text: "darn it"})
	if perr != nil {
		t.Fatal(perr)
	}
	if _, perr := h.Edit(ctx(t), ann, protocol.Command{Type: protocol.CmdEdit, ID: "e1", Room: "open", Target: ack.Offset, Text: "darn, darn"}); perr != nil {
		t.Fatal(perr)
	}
	waitFor(t, "the message and its edit", func() bool { return len(ann.got(protocol.EvEdit)) == 1 })
	if msgs := ann.got(protocol.EvMessage); len(msgs) != 1 || msgs[0].Text != "d**n it" {
		t.Errorf("stored messages %+v, want only the rewritten one", msgs)
	}
	if e := ann.got(protocol.EvEdit)[0]; e.Text != "d**n, d**n" {
		t.Errorf("edit stored as %q", e.Text)
	}
}

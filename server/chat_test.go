package server_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func wantCode(t *testing.T, err error, code protocol.ErrorCode) *protocol.Error {
	t.Helper()
	var perr *protocol.Error
	if !errors.As(err, &perr) || perr.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	return perr
}

// A nickname is unique among the people in a room, ignoring case; the
// refusal names it and suggests a free one. The same person's second tab
// (same session) is no clash, and counts once.
func TestNicknameRules(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "  e\u0301lise ")
	if got := ann.Welcome().User.Name; got != "\u00e9lise" {
		t.Fatalf("normalised name = %q, want %q", got, "\u00e9lise")
	}
	if _, err := ann.Join(ctx, "names"); err != nil {
		t.Fatal(err)
	}
	impostor := testnode.Dial(t, n.WS, "ÉLISE")
	_, err := impostor.Join(ctx, "names")
	perr := wantCode(t, err, protocol.CodeNameTaken)
	if perr.Suggestion != "ÉLISE2" {
		t.Fatalf("suggestion = %q, want ÉLISE2 (message %q)", perr.Suggestion, perr.Message)
	}
	// The error names the taken name, in double quotes: the web app shows
	// the name it finds between them.
	if !strings.Contains(perr.Message, `"ÉLISE"`) {
		t.Fatalf("name clash message %q does not name the taken nickname \"ÉLISE\"", perr.Message)
	}
	// The same person in a second tab: same session, no clash, one entry.
	tab2 := testnode.DialOpts(t, n.WS, client.Options{Name: "élise", Session: ann.Welcome().Session})
	if tab2.Welcome().User.ID != ann.Welcome().User.ID {
		t.Fatalf("second tab got user %s, want %s", tab2.Welcome().User.ID, ann.Welcome().User.ID)
	}
	joined, err := tab2.Join(ctx, "names")
	if err != nil {
		t.Fatalf("second tab join: %v", err)
	}
	if joined.Count != 1 || len(joined.Members) != 1 {
		t.Fatalf("with two tabs of one person: count %d members %+v, want 1", joined.Count, joined.Members)
	}
	// A session made for another name does not carry over.
	other := testnode.DialOpts(t, n.WS, client.Options{Name: "zed", Session: ann.Welcome().Session})
	if other.Welcome().User.ID == ann.Welcome().User.ID {
		t.Fatal("a session must not give its user id to another nickname")
	}
	// A forged session gives a new person.
	forged := testnode.DialOpts(t, n.WS, client.Options{Name: "élise", Session: ann.Welcome().Session + "x"})
	if forged.Welcome().User.ID == ann.Welcome().User.ID {
		t.Fatal("a forged session must not be accepted")
	}

	// Presence counts people, not tabs: closing one tab of two is no leave.
	bob := testnode.Dial(t, n.WS, "bob")
	if _, err := bob.Join(ctx, "names"); err != nil {
		t.Fatal(err)
	}
	tab2.Close()
	ann.Close()
	ev, seen := testnode.WaitEvent(t, bob, wait, "élise leaving", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Left) > 0
	})
	if ev.Count != 1 || ev.Left[0].Name != "élise" {
		t.Fatalf("presence on leave = %+v, want élise left, 1 online", ev)
	}
	for _, e := range seen[:len(seen)-1] {
		if e.Type == protocol.EvPresence && len(e.Left) > 0 {
			t.Fatalf("a leave before the last tab closed: %+v", e)
		}
	}
	// Joining needs a name: an observer may not.
	obs := testnode.Dial(t, n.WS, "")
	_, err = obs.Join(ctx, "names")
	wantCode(t, err, protocol.CodeNameRequired)
}

// Scrolling up pages through history until the room's retained history ends.
func TestHistoryPagingToTheEnd(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{HistoryOnJoin: 5, MessagesPerSecond: 1000, MessageBurst: 100})
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	if _, err := ann.Join(ctx, "pages"); err != nil {
		t.Fatal(err)
	}
	const total = 23
	for i := 1; i <= total; i++ {
		if _, err := ann.Send(ctx, "pages", "m"+itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	bob := testnode.Dial(t, n.WS, "bob")
	joined, err := bob.Join(ctx, "pages")
	if err != nil {
		t.Fatal(err)
	}
	got := joined.Events
	more := joined.More
	for pages := 0; more; pages++ {
		if pages > 10 {
			t.Fatal("history never ends")
		}
		page, err := bob.Do(ctx, protocol.Command{Type: protocol.CmdHistory, Room: "pages", Epoch: joined.Epoch, Offset: got[0].Offset, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		got = append(page.Events, got...)
		more = page.More
	}
	if len(got) != total {
		t.Fatalf("paged %d events, want %d", len(got), total)
	}
	for i, ev := range got {
		if ev.Offset != uint64(i+1) || ev.Text != "m"+itoa(i+1) {
			t.Fatalf("event %d = offset %d %q, want offset %d m%d", i, ev.Offset, ev.Text, i+1, i+1)
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// People edit and delete their own messages; everyone applies both, also
// from history loaded later.
func TestEditAndDelete(t *testing.T) {
	t.Parallel()
	n, ann, bob := annAndBobIn(t, "edits")
	ctx := testnode.Ctx(t)
	ack, err := ann.Send(ctx, "edits", "helo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Do(ctx, protocol.Command{Type: protocol.CmdEdit, Room: "edits", Target: ack.Offset, Text: "hello"}); err != nil {
		t.Fatalf("edit own message: %v", err)
	}
	ev, _ := testnode.WaitEvent(t, bob, wait, "the edit", func(ev protocol.Event) bool { return ev.Type == protocol.EvEdit })
	if ev.Target != ack.Offset || ev.Text != "hello" || ev.User.Name != "ann" {
		t.Fatalf("edit event = %+v", ev)
	}
	_, err = bob.Do(ctx, protocol.Command{Type: protocol.CmdEdit, Room: "edits", Target: ack.Offset, Text: "hijack"})
	wantCode(t, err, protocol.CodeForbidden)
	_, err = bob.Do(ctx, protocol.Command{Type: protocol.CmdDelete, Room: "edits", Target: ack.Offset})
	wantCode(t, err, protocol.CodeForbidden)
	_, err = ann.Do(ctx, protocol.Command{Type: protocol.CmdDelete, Room: "edits", Target: 999})
	wantCode(t, err, protocol.CodeNotFound)
	// The edit event itself is not a message one can edit.
	_, err = ann.Do(ctx, protocol.Command{Type: protocol.CmdEdit, Room: "edits", Target: ev.Offset, Text: "x"})
	wantCode(t, err, protocol.CodeNotFound)

	if _, err := ann.Do(ctx, protocol.Command{Type: protocol.CmdDelete, Room: "edits", Target: ack.Offset}); err != nil {
		t.Fatalf("delete own message: %v", err)
	}
	testnode.WaitEvent(t, bob, wait, "the delete", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvDelete && ev.Target == ack.Offset
	})
	// A deletion is final: the message cannot be given new text.
	_, err = ann.Do(ctx, protocol.Command{Type: protocol.CmdEdit, Room: "edits", Target: ack.Offset, Text: "back again"})
	wantCode(t, err, protocol.CodeNotFound)
	// A latecomer's history carries the message, its edit and its delete.
	cat := testnode.Dial(t, n.WS, "cat")
	joined, err := cat.Join(ctx, "edits")
	if err != nil {
		t.Fatal(err)
	}
	var types []protocol.EventType
	for _, e := range joined.Events {
		types = append(types, e.Type)
	}
	if len(types) != 3 || types[0] != protocol.EvMessage || types[1] != protocol.EvEdit || types[2] != protocol.EvDelete {
		t.Fatalf("history types = %v, want [message edit delete]", types)
	}
}

// Edits are refused after the edit window.
func TestEditWindow(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{EditWindow: 1}) // 1 ns: every edit is late
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	if _, err := ann.Join(ctx, "late"); err != nil {
		t.Fatal(err)
	}
	ack, err := ann.Send(ctx, "late", "first")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ann.Do(ctx, protocol.Command{Type: protocol.CmdEdit, Room: "late", Target: ack.Offset, Text: "second"})
	wantCode(t, err, protocol.CodeEditWindow)
	// Deleting has no window.
	if _, err := ann.Do(ctx, protocol.Command{Type: protocol.CmdDelete, Room: "late", Target: ack.Offset}); err != nil {
		t.Fatalf("delete after the edit window: %v", err)
	}
}

// Typing signals reach the others, are throttled per person, and are
// never stored.
func TestTyping(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	bob := testnode.Dial(t, n.WS, "bob")
	cal := testnode.Dial(t, n.WS, "cal")
	for _, c := range []*client.Conn{ann, bob, cal} {
		if _, err := c.Join(ctx, "typing"); err != nil {
			t.Fatal(err)
		}
	}
	typing := protocol.Command{Type: protocol.CmdTyping, Room: "typing"}
	for range 5 {
		if err := ann.Post(ctx, typing); err != nil {
			t.Fatal(err)
		}
	}
	// ann's reader has handled the burst once this message is acked.
	if _, err := ann.Send(ctx, "typing", "done typing"); err != nil {
		t.Fatal(err)
	}
	// The probe: cal's signal, relayed after ann's on the same path
	// (messages are stored, a path of their own that may overtake it).
	// Exactly one of ann's signals must come before it.
	if err := cal.Post(ctx, typing); err != nil {
		t.Fatal(err)
	}
	_, seen := testnode.WaitEvent(t, bob, wait, "cal typing", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvTyping && ev.User != nil && ev.User.Name == "cal"
	})
	count := 0
	for _, ev := range seen {
		if ev.Type == protocol.EvTyping && ev.User != nil && ev.User.Name != "cal" {
			count++
			if ev.User.Name != "ann" || ev.Room != "typing" {
				t.Fatalf("typing event = %+v", ev)
			}
		}
	}
	if count != 1 {
		t.Fatalf("bob saw %d typing signals for a burst of 5, want 1", count)
	}
	cat := testnode.Dial(t, n.WS, "cat")
	joined, err := cat.Join(ctx, "typing")
	if err != nil {
		t.Fatal(err)
	}
	if len(joined.Events) != 1 || joined.Events[0].Type != protocol.EvMessage {
		t.Fatalf("stored events = %+v, want only the message", joined.Events)
	}
}

// The home page's room list: active rooms with their online counts, live.
func TestRoomDirectory(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	ctx := testnode.Ctx(t)
	watcher := testnode.Dial(t, n.WS, "")
	if _, err := watcher.Do(ctx, protocol.Command{Type: protocol.CmdRooms}); err != nil {
		t.Fatal(err)
	}
	ann := testnode.Dial(t, n.WS, "ann")
	bob := testnode.Dial(t, n.WS, "bob")
	for _, c := range []*client.Conn{ann, bob} {
		if _, err := c.Join(ctx, "busy"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ann.Join(ctx, "quiet"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, watcher, wait, "the two rooms", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvRooms && len(ev.Rooms) == 2 &&
			ev.Rooms[0] == protocol.RoomInfo{Name: "busy", Online: 2} &&
			ev.Rooms[1] == protocol.RoomInfo{Name: "quiet", Online: 1}
	})
	ann.Close()
	testnode.WaitEvent(t, watcher, wait, "quiet gone, busy down to 1", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvRooms && len(ev.Rooms) == 1 && ev.Rooms[0] == protocol.RoomInfo{Name: "busy", Online: 1}
	})
}

package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// terminal is `switchboard chat` running in-process with its stdin and
// stdout in the test's hands.
type terminal struct {
	t        *testing.T
	in       *io.PipeWriter
	out, err *testnode.Output
	cancel   context.CancelFunc
	done     chan error
}

func (term *terminal) waitOut(want string) {
	term.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(term.out.String(), want) {
		if time.Now().After(deadline) {
			term.t.Fatalf("the terminal never printed %q; stdout:\n%s\nstderr:\n%s", want, term.out.String(), term.err.String())
		}
		<-tick.C
	}
}

func (term *terminal) typeLine(line string) {
	term.t.Helper()
	if _, err := io.WriteString(term.in, line+"\n"); err != nil {
		term.t.Fatalf("type: %v", err)
	}
}

func (term *terminal) exited() error {
	term.t.Helper()
	select {
	case err := <-term.done:
		term.done <- err // for the cleanup
		return err
	case <-time.After(20 * time.Second):
		term.t.Fatal("chat did not end")
		return nil
	}
}

func isText(room, name, text string) func(protocol.Event) bool {
	return func(ev protocol.Event) bool {
		return ev.Type == protocol.EvMessage && ev.Room == room && ev.User != nil && ev.User.Name == name && ev.Text == text
	}
}

// The terminal client talks with a web-app participant: it prints their
// messages, joins and leaves with times, sends what is typed, keeps going
// across a server restart (typed lines wait and go once), and Ctrl-D ends
// it cleanly after the last line is stored.
func TestChatTerminal(t *testing.T) {
	n := testnode.StartRestartable(t, server.Config{})
	ctx := testnode.Ctx(t)
	web := testnode.Dial(t, n.WS, "web")
	if _, err := web.Join(ctx, "tty"); err != nil {
		t.Fatal(err)
	}
	if _, err := web.Send(ctx, "tty", "before you came"); err != nil {
		t.Fatal(err)
	}

	ann := startTerminal(t, n.URL)
	ann.waitOut("web: before you came")
	ann.waitOut("* you are in #tty (2 online: ann, web)")
	testnode.WaitEvent(t, web, 10*time.Second, "ann's join", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Joined) == 1 && ev.Joined[0].Name == "ann"
	})

	if _, err := web.Send(ctx, "tty", "hello terminal"); err != nil {
		t.Fatal(err)
	}
	ann.waitOut(" web: hello terminal\n")
	ann.typeLine("hello browser")
	testnode.WaitEvent(t, web, 10*time.Second, "ann's line", isText("tty", "ann", "hello browser"))

	bob := testnode.Dial(t, n.WS, "bob")
	if _, err := bob.Join(ctx, "tty"); err != nil {
		t.Fatal(err)
	}
	ann.waitOut(" * bob joined\n")
	bob.Close()
	ann.waitOut(" * bob left\n")

	// The server restarts: a line typed meanwhile goes once it is back.
	n.Stop()
	ann.typeLine("typed while it was down")
	n.Start()
	web2 := testnode.Dial(t, n.WS, "web")
	if _, err := web2.Join(ctx, "tty"); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, web2, 30*time.Second, "the line typed during the restart", func(ev protocol.Event) bool {
		if ev.Type == protocol.EvJoined {
			for _, e := range ev.Events {
				if isText("tty", "ann", "typed while it was down")(e) {
					return true
				}
			}
		}
		return isText("tty", "ann", "typed while it was down")(ev)
	})
	ann.waitOut("* you are in #tty")

	// Ctrl-D: the last line is stored, then chat ends with no error.
	ann.typeLine("bye")
	ann.in.Close()
	if err := ann.exited(); err != nil {
		t.Fatalf("chat ended with %v", err)
	}
	// The line comes through the store, ann's leaving straight from the
	// node that saw the connection end: either may arrive first.
	var bye, left bool
	testnode.WaitEvent(t, web2, 10*time.Second, "the last line and ann leaving", func(ev protocol.Event) bool {
		bye = bye || isText("tty", "ann", "bye")(ev)
		left = left || (ev.Type == protocol.EvPresence && len(ev.Left) == 1 && ev.Left[0].Name == "ann")
		return bye && left
	})
}

// startTerminal runs chat as ann in room tty against base (http://…).
func startTerminal(t *testing.T, base string) *terminal {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	term := &terminal{t: t, in: w, out: &testnode.Output{}, err: &testnode.Output{}, cancel: cancel, done: make(chan error, 1)}
	server := "ws" + strings.TrimPrefix(base, "http")
	go func() {
		term.done <- chat(ctx, []string{"--server", server, "--room", "tty", "--name", "ann"},
			func(string) string { return "" }, r, term.out, term.err)
	}()
	t.Cleanup(func() {
		cancel()
		w.Close()
		<-term.done
	})
	return term
}

// Ctrl-C (the context ends) stops chat at once, with no error; bad flags
// are refused before connecting.
func TestChatInterruptAndBadFlags(t *testing.T) {
	n := testnode.Start(t, server.Config{})
	term := startTerminal(t, n.HTTP.URL)
	term.waitOut("* you are in #tty")
	term.cancel()
	if err := term.exited(); err != nil {
		t.Fatalf("chat ended with %v", err)
	}
	for _, args := range [][]string{
		{"--name", ""},
		{"--name", "ann", "--room", "no spaces"},
		{"--name", "ann", "--server", "http://127.0.0.1:1"},
	} {
		err := chat(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil {
			t.Errorf("chat %q: no error", args)
		}
	}
}

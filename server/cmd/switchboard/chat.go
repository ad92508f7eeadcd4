package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// chatDrainTimeout bounds how long the end of input waits for the last
// lines to be stored.
const chatDrainTimeout = 10 * time.Second

// chat runs `switchboard chat`: a terminal client of one room. It joins
// through the shared client's Session (reconnects with backoff and resumes
// where it was, sending what was typed meanwhile once), prints messages,
// joins and leaves with their times, and sends each line read from stdin.
// The end of input (Ctrl-D) sends what is still waiting, then ends; a
// cancelled ctx (Ctrl-C) ends at once. Both return nil.
//
// The goroutine reading stdin ends when stdin does (a terminal's Ctrl-D);
// after Ctrl-C it is left blocked in its read, and the process exits.
func chat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	server := fs.String("server", "ws://127.0.0.1:8080", "server URL, ws:// or wss:// (the path /ws is added when it has none)")
	room := fs.String("room", "lobby", "the room to join")
	name := fs.String("name", "", "your nickname (required)")
	if err := parse(fs, args, getenv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if perr := protocol.ValidateRoom(*room); perr != nil {
		return fmt.Errorf("--room: %s", perr.Message)
	}
	nick, perr := protocol.NormalizeNickname(*name)
	if perr != nil {
		return fmt.Errorf("--name: %s", perr.Message)
	}
	wsURL, err := chatURL(*server)
	if err != nil {
		return err
	}

	out := &chatPrinter{w: stdout, room: *room}
	states := make(chan client.State, 16)
	sess := client.NewSession(client.SessionOptions{
		URLs: []string{wsURL}, Name: nick,
		OnState: func(s client.State) {
			select {
			case states <- s:
			default: // the printer is behind; the next state says it all
			}
		},
		OnWelcome: func(ev protocol.Event) {
			if ev.User != nil {
				out.setSelf(ev.User.ID)
			}
		},
	})
	sess.Join(*room)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	ended := make(chan error, 1)
	go func() { ended <- sess.Run(sctx) }()
	defer func() {
		stop()
		for range sess.Events() { // Run closes it when it returns
		}
	}()

	lines := make(chan string)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(stdin)
		s.Buffer(make([]byte, 64<<10), protocol.MaxFrameBytes)
		for s.Scan() {
			select {
			case lines <- s.Text():
			case <-sctx.Done():
				return
			}
		}
	}()

	sent := make(map[string]bool) // our sends not yet answered, by id
	var drain <-chan time.Time    // set once input has ended
	for {
		if drain != nil && len(sess.Outbox()) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-ended:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("disconnected: %w", err)
		case s := <-states:
			out.state(stderr, s)
		case ev, ok := <-sess.Events():
			if !ok {
				return nil
			}
			if sent[ev.Ref] {
				delete(sent, ev.Ref)
				if ev.Type == protocol.EvError && ev.Error != nil {
					out.printf("* not sent: %s\n", ev.Error.Message)
				}
				continue
			}
			if out.event(ev) {
				return nil // out of the room for good
			}
		case line, ok := <-lines:
			if !ok {
				lines = nil
				t := time.NewTimer(chatDrainTimeout)
				defer t.Stop()
				drain = t.C
				continue
			}
			if strings.TrimSpace(line) == "" {
				continue
			}
			id, err := sess.Send(protocol.Command{Type: protocol.CmdSend, Room: *room, Text: line})
			if err != nil {
				out.printf("* not sent: %v\n", err)
				continue
			}
			sent[id] = true
		case <-drain:
			n := len(sess.Outbox())
			out.printf("* %d message(s) not sent: the server did not confirm them in %v\n", n, chatDrainTimeout)
			return nil
		}
	}
}

// chatURL makes a protocol URL of the --server value.
func chatURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return "", fmt.Errorf("--server: want ws://host:port or wss://host, not %q", s)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/ws"
	}
	return u.String(), nil
}

// chatPrinter writes the room's events as lines. Its methods are called
// from chat's loop, except setSelf (the session's goroutine).
type chatPrinter struct {
	w    io.Writer
	room string

	mu   sync.Mutex
	self string // our user id, from the welcome
}

func (p *chatPrinter) setSelf(id string) {
	p.mu.Lock()
	p.self = id
	p.mu.Unlock()
}

func (p *chatPrinter) isSelf(u *protocol.User) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return u != nil && u.ID == p.self
}

func (p *chatPrinter) printf(format string, args ...any) { fmt.Fprintf(p.w, format, args...) }

func clock(ms int64) string {
	if ms == 0 {
		return time.Now().Format("15:04")
	}
	return time.UnixMilli(ms).Format("15:04")
}

// event prints one event; true means the room is lost for good (kicked,
// or the join was refused).
func (p *chatPrinter) event(ev protocol.Event) bool {
	if ev.Room != "" && ev.Room != p.room {
		return false
	}
	switch ev.Type {
	case protocol.EvJoined:
		if !ev.Recovered && len(ev.Events) > 0 {
			p.printf("* recent messages in #%s:\n", p.room)
		}
		for _, e := range ev.Events {
			p.stored(e, true)
		}
		var names []string
		for _, u := range ev.Members {
			names = append(names, u.Name)
		}
		p.printf("* you are in #%s (%d online: %s); type a message and press Enter, Ctrl-D to leave\n",
			p.room, ev.Count, strings.Join(names, ", "))
	case protocol.EvMessage, protocol.EvEdit, protocol.EvDelete:
		p.stored(ev, false)
	case protocol.EvPresence:
		for _, u := range ev.Joined {
			p.printf("%s * %s joined\n", clock(0), u.Name)
		}
		for _, u := range ev.Left {
			p.printf("%s * %s left\n", clock(0), u.Name)
		}
	case protocol.EvKicked:
		p.printf("* a moderator removed you from #%s: %s\n", p.room, ev.Text)
		return true
	case protocol.EvError:
		// Errors about our sends are handled by chat; any other is a
		// refused join (name taken, private room, ban): the session
		// dropped the room.
		if ev.Error == nil {
			return false
		}
		if ev.Error.Suggestion != "" {
			p.printf("* could not join #%s: %s (try --name %q)\n", p.room, ev.Error.Message, ev.Error.Suggestion)
		} else {
			p.printf("* could not join #%s: %s\n", p.room, ev.Error.Message)
		}
		return true
	}
	return false
}

// stored prints a stored event; in history (old) our own messages show too.
func (p *chatPrinter) stored(ev protocol.Event, old bool) {
	if ev.User == nil || (!old && p.isSelf(ev.User)) {
		return
	}
	switch ev.Type {
	case protocol.EvMessage:
		p.printf("%s %s: %s\n", clock(ev.Time), ev.User.Name, ev.Text)
	case protocol.EvEdit:
		p.printf("%s * %s edited a message: %s\n", clock(ev.Time), ev.User.Name, ev.Text)
	case protocol.EvDelete:
		p.printf("%s * %s deleted a message\n", clock(ev.Time), ev.User.Name)
	}
}

// state reports connection changes on stderr.
func (p *chatPrinter) state(w io.Writer, s client.State) {
	switch s.Phase {
	case client.Connected:
		fmt.Fprintf(w, "* connected to %s\n", s.URL)
	case client.Reconnecting:
		fmt.Fprintf(w, "* connection lost (%v); trying again in %v\n", s.Err, time.Until(s.RetryAt).Round(100*time.Millisecond))
	case client.Offline:
		fmt.Fprintf(w, "* offline: %v\n", s.Err)
	}
}

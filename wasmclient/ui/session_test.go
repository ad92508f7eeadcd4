package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// TestMain fails the package if a session goroutine outlives the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leak := waitNoSessionGoroutines(5 * time.Second); leak != "" {
			fmt.Fprintln(os.Stderr, "leaked session goroutines:\n"+leak)
			code = 1
		}
	}
	os.Exit(code)
}

func waitNoSessionGoroutines(within time.Duration) string {
	deadline := time.Now().Add(within)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		var leaked []string
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "wasmclient/ui.(*session)") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling a condition, not waiting for one
	}
}

// fakeServer speaks just enough of the protocol to drive a session: one
// room, stored messages with offsets in epoch "e1", idempotent sends, and
// knobs to break things.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	history []protocol.Event
	byID    map[string]uint64 // message id -> offset
	conns   map[*websocket.Conn]bool
	hellos  []protocol.Command
	joins   []protocol.Command
	sends   []protocol.Command
	// Knobs.
	rejectToken string          // a hello presenting this token gets an error
	joinErr     *protocol.Error // every join fails with it
	dropOnSend  int             // drop the connection after storing this many sends, before acking
}

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{t: t, byID: map[string]uint64{}, conns: map[*websocket.Conn]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.dropAll(websocket.StatusGoingAway)
		f.srv.Close()
	})
	return f
}

func (f *fakeServer) url() string { return "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws" }

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{protocol.Subprotocol}})
	if err != nil {
		return
	}
	f.mu.Lock()
	f.conns[ws] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.conns, ws)
		f.mu.Unlock()
		ws.CloseNow()
	}()
	ctx := r.Context()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		cmd, derr := protocol.DecodeCommand(data)
		if derr != nil {
			f.t.Errorf("fake server: bad command %s: %v", data, derr)
			return
		}
		if !f.handle(ctx, ws, cmd) {
			return
		}
	}
}

func (f *fakeServer) write(ctx context.Context, ws *websocket.Conn, ev protocol.Event) {
	data, _ := ev.Encode()
	ws.Write(ctx, websocket.MessageText, data)
}

func (f *fakeServer) handle(ctx context.Context, ws *websocket.Conn, cmd protocol.Command) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	reply := func(ev protocol.Event) {
		ev.Ref = cmd.ID
		f.write(ctx, ws, ev)
	}
	switch cmd.Type {
	case protocol.CmdHello:
		f.hellos = append(f.hellos, cmd)
		if cmd.Session != "" && cmd.Session == f.rejectToken {
			reply(protocol.Event{Type: protocol.EvError, Error: protocol.Errorf(protocol.CodeBadRequest, "bad session")})
			return false
		}
		reply(protocol.Event{Type: protocol.EvWelcome, User: &protocol.User{ID: "u-" + cmd.Name, Name: cmd.Name},
			Session: "token-" + cmd.Name, Boot: "b1"})
	case protocol.CmdJoin:
		f.joins = append(f.joins, cmd)
		if f.joinErr != nil {
			reply(protocol.Event{Type: protocol.EvError, Error: f.joinErr})
			return true
		}
		ev := protocol.Event{Type: protocol.EvJoined, Room: cmd.Room, Epoch: "e1", Offset: uint64(len(f.history)),
			Members: []protocol.User{{ID: "u-x", Name: "x"}}, Count: 1}
		if cmd.Epoch == "e1" && cmd.Offset <= uint64(len(f.history)) {
			ev.Recovered = true
			ev.Events = append(ev.Events, f.history[cmd.Offset:]...)
		} else {
			ev.Events = append(ev.Events, f.history...)
		}
		reply(ev)
	case protocol.CmdSend:
		f.sends = append(f.sends, cmd)
		off, dup := f.byID[cmd.ID]
		if !dup {
			off = uint64(len(f.history) + 1)
			f.byID[cmd.ID] = off
			m := protocol.Event{Type: protocol.EvMessage, Room: cmd.Room, Epoch: "e1", Offset: off, ID: cmd.ID,
				User: &protocol.User{ID: "u-sender", Name: "sender"}, Text: cmd.Text, Time: 1}
			f.history = append(f.history, m)
			if f.dropOnSend > 0 {
				f.dropOnSend--
				if f.dropOnSend == 0 {
					return false // stored, never acknowledged
				}
			}
			for c := range f.conns {
				f.write(ctx, c, m)
			}
		}
		reply(protocol.Event{Type: protocol.EvAck, Room: cmd.Room, Epoch: "e1", Offset: off, ID: cmd.ID})
	case protocol.CmdPing:
		reply(protocol.Event{Type: protocol.EvPong})
	}
	return true
}

// store adds a message from someone else without telling anyone, as if it
// arrived while the session was away.
func (f *fakeServer) store(text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.history = append(f.history, protocol.Event{Type: protocol.EvMessage, Room: "lobby", Epoch: "e1",
		Offset: uint64(len(f.history) + 1), ID: "other-" + text, User: &protocol.User{ID: "u-o", Name: "o"}, Text: text})
}

func (f *fakeServer) dropAll(code websocket.StatusCode) {
	f.mu.Lock()
	conns := make([]*websocket.Conn, 0, len(f.conns))
	for c := range f.conns {
		conns = append(conns, c)
	}
	f.mu.Unlock()
	for _, c := range conns {
		c.Close(code, "test")
	}
}

func (f *fakeServer) lastJoin() protocol.Command {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.joins[len(f.joins)-1]
}

// recorder is a sessionObserver that logs what it sees as lines of text.
type recorder struct {
	lines chan string
}

func newRecorder() *recorder { return &recorder{lines: make(chan string, 1000)} }

func (r *recorder) log(format string, args ...any) { r.lines <- fmt.Sprintf(format, args...) }

func (r *recorder) status(s connStatus) {
	names := map[connState]string{stateConnecting: "connecting", stateConnected: "connected", stateWaiting: "waiting", stateStopped: "stopped"}
	r.log("status %s", names[s.State])
}
func (r *recorder) welcome(me protocol.User, token string, newBoot bool) {
	r.log("welcome %s %s", me.Name, token)
}
func (r *recorder) joined(ev protocol.Event, msgs []protocol.Event, reset bool) {
	r.log("joined reset=%v msgs=%s", reset, strings.Join(texts(msgs), ","))
}
func (r *recorder) message(ev protocol.Event)       { r.log("message %s", ev.Text) }
func (r *recorder) presence(ev protocol.Event)      { r.log("presence") }
func (r *recorder) serverError(err *protocol.Error) { r.log("error %s", err.Code) }
func (r *recorder) sent(id string, ack protocol.Event) {
	r.log("sent %d", ack.Offset)
}
func (r *recorder) sendFailed(id string, err *protocol.Error, dropped bool) {
	r.log("send failed %s dropped=%v", err.Code, dropped)
}
func (r *recorder) stopped(err *protocol.Error) { r.log("stopped %s", err.Code) }

// expect waits for the line want, skipping others, and fails after a
// deadline. It returns the lines skipped.
// expectAll waits for every line in want, in any order.
func (r *recorder) expectAll(t *testing.T, want ...string) []string {
	t.Helper()
	var skipped []string
	missing := map[string]int{}
	for _, w := range want {
		missing[w]++
	}
	deadline := time.After(10 * time.Second)
	for len(missing) > 0 {
		select {
		case got := <-r.lines:
			if missing[got] > 0 {
				if missing[got]--; missing[got] == 0 {
					delete(missing, got)
				}
				continue
			}
			skipped = append(skipped, got)
		case <-deadline:
			t.Fatalf("missing %v; saw %q", missing, skipped)
		}
	}
	return skipped
}

func (r *recorder) expect(t *testing.T, want string) []string {
	t.Helper()
	var skipped []string
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-r.lines:
			if got == want {
				return skipped
			}
			skipped = append(skipped, got)
		case <-deadline:
			t.Fatalf("no %q; saw %q", want, skipped)
		}
	}
}

// startSession runs a session against f until the test ends.
func startSession(t *testing.T, f *fakeServer, cfg sessionConfig) (*session, *recorder) {
	t.Helper()
	rec := newRecorder()
	cfg.URL = f.url()
	cfg.Observer = rec
	if cfg.Room == "" {
		cfg.Room = "lobby"
	}
	if cfg.Name == "" {
		cfg.Name = "Ada"
	}
	cfg.Backoff = func(int) time.Duration { return 0 }
	cfg.SendRetry = time.Millisecond
	s := newSession(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return s, rec
}

func count(lines []string, line string) int {
	n := 0
	for _, l := range lines {
		if l == line {
			n++
		}
	}
	return n
}

func TestSessionJoinSendReceive(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.store("before")
	s, rec := startSession(t, f, sessionConfig{})
	rec.expect(t, "welcome Ada token-Ada")
	rec.expect(t, "joined reset=true msgs=before")
	rec.expect(t, "status connected")
	s.Send("hello")
	// The ack and the message itself race; both must come.
	rec.expectAll(t, "message hello", "sent 2")
}

func TestSessionResumesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	s, rec := startSession(t, f, sessionConfig{})
	rec.expect(t, "status connected")
	s.Send("one")
	rec.expectAll(t, "message one", "sent 1")

	// Someone writes while the session is away (stored, not delivered), and
	// the server restarts.
	f.store("missed")
	f.dropAll(websocket.StatusServiceRestart)
	seen := rec.expect(t, "joined reset=false msgs=missed")
	if count(seen, "status connecting") == 0 {
		t.Errorf("no reconnect reported: %q", seen)
	}
	if j := f.lastJoin(); j.Epoch != "e1" || j.Offset != 1 {
		t.Errorf("rejoin asked to resume from %s/%d, want e1/1", j.Epoch, j.Offset)
	}
	rec.expect(t, "status connected")
	s.Send("two")
	seen = rec.expectAll(t, "message two", "sent 3")
	if count(seen, "message one") != 0 || count(seen, "message missed") != 0 {
		t.Errorf("a message came twice: %q", seen)
	}
}

func TestSessionResendsWithTheSameID(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.dropOnSend = 1 // the first send is stored, then the connection drops before the ack
	s, rec := startSession(t, f, sessionConfig{})
	rec.expect(t, "status connected")
	s.Send("once")
	// After the reconnect the stored message comes back through the resume
	// (it was never delivered), and the resend is acknowledged at the same
	// offset without being stored again.
	seen := rec.expect(t, "sent 1")
	seen = append(seen, drain(rec)...)
	if n := count(seen, "joined reset=true msgs=once") + count(seen, "message once"); n != 1 {
		t.Errorf("message shown %d times, want once: %q", n, seen)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sends) != 2 || f.sends[0].ID != f.sends[1].ID {
		t.Fatalf("sends = %+v, want the same id twice", f.sends)
	}
	if len(f.history) != 1 {
		t.Errorf("stored %d messages, want 1", len(f.history))
	}
}

func drain(r *recorder) []string {
	var out []string
	for {
		select {
		case l := <-r.lines:
			out = append(out, l)
		default:
			return out
		}
	}
}

func TestSessionStopsWhenTheNameIsTaken(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.joinErr = &protocol.Error{Code: protocol.CodeNameTaken, Message: "taken", Suggestion: "Ada2"}
	_, rec := startSession(t, f, sessionConfig{})
	rec.expect(t, "stopped name_taken")
}

func TestSessionRetriesPassingJoinErrors(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.joinErr = protocol.Errorf(protocol.CodeUnavailable, "store down")
	_, rec := startSession(t, f, sessionConfig{})
	rec.expect(t, "status waiting")
	f.mu.Lock()
	f.joinErr = nil
	f.mu.Unlock()
	rec.expect(t, "status connected")
}

func TestSessionDropsARefusedToken(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.rejectToken = "stale"
	_, rec := startSession(t, f, sessionConfig{Session: "stale"})
	rec.expect(t, "welcome Ada token-Ada")
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.hellos) < 2 || f.hellos[0].Session != "stale" || f.hellos[len(f.hellos)-1].Session != "" {
		t.Errorf("hellos = %+v, want the stale token once, then none", f.hellos)
	}
}

func TestSessionResumeConfigAndOutbox(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.store("a")
	f.store("b")
	// A page restored from the back/forward cache resumes after "a" and
	// sends what was still queued, with its id.
	_, rec := startSession(t, f, sessionConfig{
		Resume: position{Epoch: "e1", Offset: 1},
		Outbox: []outgoing{{id: "kept-1", text: "queued"}},
	})
	rec.expect(t, "joined reset=false msgs=b")
	rec.expectAll(t, "sent 3", "message queued")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sends[0].ID != "kept-1" {
		t.Errorf("send id = %q, want kept-1", f.sends[0].ID)
	}
}

func TestSessionWakeSkipsTheWait(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.srv.Close() // nothing listens: every dial fails
	rec := newRecorder()
	s := newSession(sessionConfig{URL: f.url(), Room: "lobby", Name: "Ada", Observer: rec,
		Backoff: func(int) time.Duration { return time.Hour }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	rec.expect(t, "status waiting")
	s.Wake()
	rec.expect(t, "status connecting")
	rec.expect(t, "status waiting")
}

func TestEndReason(t *testing.T) {
	t.Parallel()
	if got := endReason(nil); got != "" {
		t.Errorf("endReason(nil) = %q", got)
	}
	if got := endReason(errNoPong); !strings.Contains(got, "stopped answering") {
		t.Errorf("endReason(errNoPong) = %q", got)
	}
	if got := endReason(fmt.Errorf("x: %w", websocket.CloseError{Code: websocket.StatusServiceRestart})); !strings.Contains(got, "restarting") {
		t.Errorf("endReason(1012) = %q", got)
	}
	if got := endReason(errors.New("dial failed")); got != "Cannot reach the server." {
		t.Errorf("endReason(other) = %q", got)
	}
}

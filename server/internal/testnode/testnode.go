// Package testnode starts Switchboard nodes and clients for tests: real
// nodes with real NATS (embedded, or a cluster), served by httptest, and the
// shared client over real sockets.
package testnode

import (
	"context"
	"errors"
	"github.com/coder/websocket"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Node is a started node and its test HTTP server.
type Node struct {
	*server.Node
	HTTP *httptest.Server
	// WS is the ws:// URL of the node's protocol endpoint.
	WS string

	httpOnce sync.Once
}

// Start starts a node with cfg (DataDir defaults to a temp dir) and stops it
// when the test ends.
func Start(t testing.TB, cfg server.Config) *Node {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = Logger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	hs := httptest.NewServer(n.Handler())
	node := &Node{Node: n, HTTP: hs, WS: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n.Shutdown(ctx, protocol.CloseGoingAway)
		node.closeHTTP()
	})
	return node
}

// Kill stops the node as a crash would (see server.Node.Abort) and stops
// listening.
func (n *Node) Kill() {
	n.Abort()
	n.closeHTTP()
}

func (n *Node) closeHTTP() {
	n.httpOnce.Do(n.HTTP.Close)
}

// Logger logs to the test's output when SWITCHBOARD_TEST_LOG is set, and
// nowhere otherwise.
func Logger(t testing.TB) *slog.Logger {
	if os.Getenv("SWITCHBOARD_TEST_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Dial connects a client named name to url and closes it when the test ends.
func Dial(t testing.TB, url, name string) *client.Conn {
	t.Helper()
	return DialOpts(t, url, client.Options{Name: name})
}

// DialOpts is Dial with options.
func DialOpts(t testing.TB, url string, opts client.Options) *client.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("dial %s as %q: %v", url, opts.Name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Ctx is a context for one test step.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Retrying bounds DoRetry: attempts stop after RetryFor, RetryEvery apart.
const (
	RetryFor   = 30 * time.Second
	RetryEvery = 100 * time.Millisecond
)

// DoRetry sends cmd on c and waits for its answer as a well-behaved client
// does: an unavailable answer ("try again", e.g. while JetStream moves a
// stream's leader after a node dies) is retried until RetryFor has passed.
// Any other error fails the test.
func DoRetry(t testing.TB, c *client.Conn, cmd protocol.Command) protocol.Event {
	t.Helper()
	deadline := time.Now().Add(RetryFor)
	for {
		ev, err := c.Do(Ctx(t), cmd)
		var perr *protocol.Error
		switch {
		case err == nil:
			return ev
		case errors.As(err, &perr) && perr.Code == protocol.CodeUnavailable && time.Now().Before(deadline):
			t.Logf("%s %s: %v; trying again", cmd.Type, cmd.Room, err)
			<-time.After(RetryEvery) // a client's pause before its retry
		default:
			t.Fatalf("%s %s: %v", cmd.Type, cmd.Room, err)
		}
	}
}

// WaitEvent reads c's events until one satisfies match, failing the test
// after timeout. Events read before it are returned too, in order.
func WaitEvent(t testing.TB, c *client.Conn, timeout time.Duration, what string, match func(protocol.Event) bool) (protocol.Event, []protocol.Event) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	var seen []protocol.Event
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("waiting for %s: connection ended: %v (seen %d events)", what, c.Err(), len(seen))
			}
			seen = append(seen, ev)
			if match(ev) {
				return ev, seen
			}
		case <-deadline.C:
			t.Fatalf("waiting for %s: none within %v (seen %d events: %+v)", what, timeout, len(seen), seen)
		}
	}
}

// NoEvent fails the test if c receives an event satisfying match before
// probe returns: probe must cause an event c does receive (for example a
// message in another room c is in), so the check has a definite end.
func NoEvent(t testing.TB, c *client.Conn, what string, match func(protocol.Event) bool, until func(protocol.Event) bool) {
	t.Helper()
	_, seen := WaitEvent(t, c, 10*time.Second, "the probe event", until)
	for _, ev := range seen {
		if match(ev) {
			t.Fatalf("got %s: %+v", what, ev)
		}
	}
}

// Output is an io.Writer a test may read (String) while another goroutine
// writes it: a process's stdout, a node's log.
type Output struct {
	mu sync.Mutex
	b  strings.Builder
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

// String returns everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// DialRaw opens a bare WebSocket connection speaking the app protocol to
// url (no client behind it: the test writes frames by hand, or stops
// reading, as a slow or hostile client does), and writes frames on it. It
// is dropped when the test ends.
func DialRaw(t testing.TB, url string, frames ...string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(Ctx(t), url, &websocket.DialOptions{Subprotocols: []string{protocol.Subprotocol}})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	for _, f := range frames {
		if err := ws.Write(Ctx(t), websocket.MessageText, []byte(f)); err != nil {
			t.Fatalf("write %s: %v", f, err)
		}
	}
	return ws
}

// WaitFor polls cond every 20 ms until it holds, failing the test if it
// does not within timeout. Tests wait this way, never by sleeping.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not within %v", what, timeout)
		}
		<-tick.C
	}
}

// JoinAndSend joins c to rooms and sends n messages "m0", "m1", … spread
// over them in turn, each acknowledged (stored) before the next.
func JoinAndSend(t testing.TB, c *client.Conn, rooms []string, n int) {
	t.Helper()
	for _, room := range rooms {
		if _, err := c.Join(Ctx(t), room); err != nil {
			t.Fatalf("join %s: %v", room, err)
		}
	}
	for i := range n {
		if _, err := c.Send(Ctx(t), rooms[i%len(rooms)], "m"+strconv.Itoa(i)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
}

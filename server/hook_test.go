package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// hookBackend is a site's backend answering hook requests on loopback: it
// checks their signatures, refuses the person "mallory", the room
// "closed" and messages saying "spam", rewrites "darn", and takes wait
// (when set) before answering about room "slow".
type hookBackend struct {
	srv   *httptest.Server
	calls atomic.Int32
	wait  atomic.Int64 // nanoseconds
}

func newHookBackend(t *testing.T) *hookBackend {
	b := &hookBackend{}
	verify, err := standardwebhooks.NewWebhook(hookSecret)
	if err != nil {
		t.Fatal(err)
	}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		if err := verify.Verify(body, r.Header); err != nil {
			t.Errorf("a hook request does not verify: %v", err)
			w.WriteHeader(401)
			return
		}
		var req protocol.HookRequest
		if err := json.Unmarshal(body, &req); err != nil {
			t.Errorf("hook request: %v", err)
			w.WriteHeader(400)
			return
		}
		if req.Room == "slow" {
			select {
			case <-time.After(time.Duration(b.wait.Load())):
			case <-r.Context().Done():
				return
			}
		}
		ans := protocol.HookAnswer{Allow: true}
		switch {
		case req.Kind == protocol.HookConnect && req.User.Name == "mallory":
			ans = protocol.HookAnswer{Reason: "Your account is suspended."}
		case req.Kind == protocol.HookJoin && req.Room == "closed":
			ans = protocol.HookAnswer{Reason: "This room opens at 9:00."}
		case req.Kind == protocol.HookPublish && strings.Contains(req.Text, "spam"):
			ans = protocol.HookAnswer{Reason: "No spam, please."}
		case req.Kind == protocol.HookPublish && strings.Contains(req.Text, "darn"):
			text := strings.ReplaceAll(req.Text, "darn", "d**n")
			ans.Text = &text
		}
		json.NewEncoder(w).Encode(&ans)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func withHooks(cfg server.Config, b *hookBackend) server.Config {
	cfg.HookURL, cfg.HookSecret = b.srv.URL+"/hook", hookSecret
	return cfg
}

// The backend's refusals reach the person with its reason (connect, join,
// message), its rewrite is what the room gets, and a join answer is
// cached.
func TestHooksRefuseAndRewrite(t *testing.T) {
	t.Parallel()
	b := newHookBackend(t)
	n := testnode.Start(t, withHooks(server.Config{}, b))
	ctx := testnode.Ctx(t)

	_, err := client.Dial(ctx, n.WS, client.Options{Name: "mallory"})
	if perr := wantCode(t, err, protocol.CodeRefused); perr.Message != "Your account is suspended." {
		t.Errorf("connect refused with %q", perr.Message)
	}
	ann := testnode.Dial(t, n.WS, "ann")
	_, err = ann.Join(ctx, "closed")
	if perr := wantCode(t, err, protocol.CodeRefused); perr.Message != "This room opens at 9:00." {
		t.Errorf("join refused with %q", perr.Message)
	}
	if _, err := ann.Join(ctx, "open"); err != nil {
		t.Fatal(err)
	}
	_, err = ann.Send(ctx, "open", "buy spam")
	if perr := wantCode(t, err, protocol.CodeRefused); perr.Message != "No spam, please." {
		t.Errorf("message refused with %q", perr.Message)
	}
	bob := testnode.Dial(t, n.WS, "bob")
	if _, err := bob.Join(ctx, "open"); err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Send(ctx, "open", "darn it"); err != nil {
		t.Fatal(err)
	}
	got, _ := testnode.WaitEvent(t, bob, 10*time.Second, "ann's message", func(ev protocol.Event) bool { return ev.Type == protocol.EvMessage })
	if got.Text != "d**n it" {
		t.Errorf("the room got %q, want the backend's rewrite", got.Text)
	}
	// The same person's second tab (same session) connects and joins on
	// cached answers.
	before := b.calls.Load()
	ann2 := testnode.DialOpts(t, n.WS, client.Options{Name: "ann", Session: ann.Welcome().Session})
	if _, err := ann2.Join(ctx, "open"); err != nil {
		t.Fatal(err)
	}
	if calls := b.calls.Load() - before; calls != 0 {
		t.Errorf("the second tab's connect and join made %d calls, want 0 (cached)", calls)
	}
	m := scrape(t, n.HTTP.URL+"/metrics")
	for outcome, want := range map[string]float64{"refused": 3, "cached": 2} {
		if got := metric(m, "switchboard_hook_calls_total", "outcome", outcome); got != want {
			t.Errorf("hook calls %s: %v, want %v", outcome, got, want)
		}
	}
}

// A backend that does not answer in time is a failure: with the default
// policy the person is told to try again (unavailable), with "allow" they
// go ahead. Meanwhile other rooms are not held up.
func TestHookTimeoutPolicyAndOtherRooms(t *testing.T) {
	t.Parallel()
	b := newHookBackend(t)
	b.wait.Store(int64(2 * time.Second))
	for _, c := range []struct {
		policy string
		want   protocol.ErrorCode
	}{{"", protocol.CodeUnavailable}, {"allow", ""}} {
		cfg := withHooks(server.Config{HookTimeout: 300 * time.Millisecond, HookFailure: c.policy}, b)
		n := testnode.Start(t, cfg)
		ctx := testnode.Ctx(t)
		slow := testnode.Dial(t, n.WS, "slowpoke")
		joined := make(chan error, 1)
		go func() { _, err := slow.Join(ctx, "slow"); joined <- err }()

		// While that join waits for the backend, a room nearby works.
		ann, bob := testnode.Dial(t, n.WS, "ann"), testnode.Dial(t, n.WS, "bob")
		for _, p := range []*client.Conn{ann, bob} {
			if _, err := p.Join(ctx, "fast"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ann.Send(ctx, "fast", "hello"); err != nil {
			t.Fatal(err)
		}
		testnode.WaitEvent(t, bob, 5*time.Second, "ann's hello", func(ev protocol.Event) bool { return ev.Type == protocol.EvMessage })

		err := <-joined
		if c.want == "" {
			if err != nil {
				t.Errorf("policy %q: join with a silent backend: %v, want allowed", c.policy, err)
			}
			continue
		}
		wantCode(t, err, c.want)
	}
}

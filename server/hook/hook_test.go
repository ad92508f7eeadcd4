package hook

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// backend answers every request with ans (as JSON, or raw when it is a
// string), counting the calls.
func backend(t *testing.T, ans any) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if s, ok := ans.(string); ok {
			w.Write([]byte(s))
			return
		}
		json.NewEncoder(w).Encode(ans)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

var ann = protocol.User{ID: "u1", Name: "ann"}

// Join answers are cached for CacheTTL, then asked again; publish answers
// never are.
func TestCache(t *testing.T) {
	srv, calls := backend(t, protocol.HookAnswer{Reason: "closed"})
	now := time.Unix(1000, 0)
	c, err := New(Options{URL: srv.URL, Secret: secret, CacheTTL: time.Minute, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if perr := c.Join(context.Background(), ann, "r"); perr == nil || perr.Code != protocol.CodeRefused || perr.Message != "closed" {
			t.Fatalf("join: %v", perr)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls for three joins within the cache time, want 1", calls.Load())
	}
	now = now.Add(2 * time.Minute)
	c.Join(context.Background(), ann, "r")
	c.Join(context.Background(), ann, "other")
	if calls.Load() != 3 {
		t.Errorf("%d calls, want 3 (expired, and another room)", calls.Load())
	}
	for range 2 {
		c.Publish(context.Background(), ann, "r", "hi", 0)
	}
	if calls.Load() != 5 {
		t.Errorf("%d calls, want 5 (publish is never cached)", calls.Load())
	}
}

// What the backend gets wrong is a failure, which the policy decides: a
// rewrite that is not a valid text, an answer that is not JSON or is too
// long. A long reason is cut.
func TestFailuresAndPolicy(t *testing.T) {
	bad := ""
	for _, ans := range []any{
		protocol.HookAnswer{Allow: true, Text: &bad},
		"not json",
		`{"allow":true,"reason":"` + strings.Repeat("x", DefaultMaxResponseBytes) + `"}`,
	} {
		srv, _ := backend(t, ans)
		for _, c := range []struct {
			policy Policy
			code   protocol.ErrorCode
		}{{Refuse, protocol.CodeUnavailable}, {Allow, ""}} {
			cl, err := New(Options{URL: srv.URL, Secret: secret, Failure: c.policy})
			if err != nil {
				t.Fatal(err)
			}
			text, perr := cl.Publish(context.Background(), ann, "r", "as sent", 0)
			if c.code == "" {
				if perr != nil || text != "as sent" {
					t.Errorf("%v, allow: %q, %v; want the text as sent", ans, text, perr)
				}
			} else if perr == nil || perr.Code != c.code {
				t.Errorf("%T answer, refuse: %v, want %s", ans, perr, c.code)
			}
		}
	}
	srv, _ := backend(t, protocol.HookAnswer{Reason: strings.Repeat("é", 1000)})
	cl, _ := New(Options{URL: srv.URL, Secret: secret})
	if perr := cl.Connect(context.Background(), ann); perr == nil || len([]rune(perr.Message)) != protocol.MaxHookReasonRunes {
		t.Errorf("long reason: %v", perr)
	}
}

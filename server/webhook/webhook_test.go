package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// Bad settings are refused, naming what is wrong; good ones pass.
func TestValidate(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string // in the error; "" for none
	}{
		{Options{URL: "https://hooks.example.com/switchboard", Secret: secret}, ""},
		{Options{URL: "http://127.0.0.1:9000/h", Secret: secret, Types: []protocol.WebhookType{protocol.WebhookEdit}, Rooms: []string{"support-*"}}, ""},
		{Options{URL: "hooks.example.com/x", Secret: secret}, "absolute http"},
		{Options{URL: "ftp://hooks.example.com/x", Secret: secret}, "absolute http"},
		{Options{URL: "https://user:pw@hooks.example.com/x", Secret: secret}, "credentials"},
		{Options{URL: "https://hooks.example.com/x", Secret: "hunter2"}, "whsec_"},
		{Options{URL: "https://hooks.example.com/x", Secret: "whsec_not base64!"}, "base64"},
		{Options{URL: "https://hooks.example.com/x", Secret: secret, Types: []protocol.WebhookType{"message.sent"}}, "event type"},
		{Options{URL: "https://hooks.example.com/x", Secret: secret, Rooms: []string{"["}}, "room pattern"},
	} {
		err := c.o.Validate()
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("the error shows the URL's password: %v", err)
		}
	}
}

// The wait before retry n doubles from the minimum, stays within the
// maximum, and is never less than half of its step.
func TestBackoff(t *testing.T) {
	for n := 1; n <= 40; n++ {
		step := min(time.Second<<min(n-1, 30), time.Minute)
		for range 20 {
			if d := backoff(n, time.Second, time.Minute); d < step/2 || d > step {
				t.Fatalf("retry %d waits %v, want %v to %v", n, d, step/2, step)
			}
		}
	}
}

// queue is a Queue of given deliveries, recording what became of each.
type queue struct {
	items chan *Delivery
	done  atomic.Int32
	dead  atomic.Int32
}

func (q *queue) Next(ctx context.Context, wait time.Duration) (*Delivery, error) {
	select {
	case d := <-q.items:
		return d, nil
	case <-time.After(wait):
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (q *queue) add(ev protocol.Event) {
	q.items <- &Delivery{
		Event: ev, Stored: time.Now(),
		Touch:      func() error { return nil },
		Done:       func(context.Context) error { q.done.Add(1); return nil },
		DeadLetter: func(context.Context, string) error { q.dead.Add(1); return nil },
	}
}

// A redirect is not followed (it is a failed attempt) and a receiver that
// does not answer within the timeout fails the attempt: both end in the
// dead letters after the budget, and the queue moves on.
func TestRedirectsAndHangsFail(t *testing.T) {
	var followed, hung atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/elsewhere", func(http.ResponseWriter, *http.Request) { followed.Add(1) })
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select {
		case <-r.Context().Done():
		case <-time.After(time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/moved", "/hang"} {
		q := &queue{items: make(chan *Delivery, 1)}
		d, err := New(q, time.Second, Options{
			URL: srv.URL + path, Secret: secret, MaxAttempts: 2,
			MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, Timeout: 100 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); d.Run(ctx) }()
		q.add(protocol.Event{Type: protocol.EvMessage, Room: "r", Epoch: "e", Offset: 1, Text: "hi"})
		deadline := time.Now().Add(5 * time.Second)
		tick := time.NewTicker(5 * time.Millisecond)
		for q.dead.Load() == 0 && time.Now().Before(deadline) {
			<-tick.C
		}
		tick.Stop()
		cancel()
		<-done
		if q.dead.Load() != 1 || q.done.Load() != 0 {
			t.Errorf("%s: %d dead letters, %d done; want the event dead-lettered", path, q.dead.Load(), q.done.Load())
		}
	}
	if followed.Load() != 0 {
		t.Errorf("a redirect was followed %d times", followed.Load())
	}
	if hung.Load() != 2 {
		t.Errorf("the hanging receiver got %d attempts, want the budget of 2", hung.Load())
	}
}

package server_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/server/webhook"
	"github.com/switchboard-rt/switchboard/shared/adminapi"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// The webhook's dead letters are listed by the admin API with why they
// were given up; a retry while the receiver still fails says so and keeps
// the letter; once the receiver takes it, the letter is gone.
func TestWebhookDeadLettersAdmin(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	var fixed atomic.Bool
	rcv.setAnswer(func(_ string, b protocol.WebhookBody) int {
		if strings.HasPrefix(b.Data.Text, "poison") && !fixed.Load() {
			return 500
		}
		return 200
	})
	cfg := withHook(server.Config{AdminToken: adminToken}, rcv)
	cfg.WebhookMaxAttempts = 2
	n := testnode.Start(t, cfg)
	api := n.HTTP.URL
	ann := testnode.Dial(t, n.WS, "ann")
	if _, err := ann.Join(testnode.Ctx(t), "r"); err != nil {
		t.Fatal(err)
	}
	ack, err := ann.Send(testnode.Ctx(t), "r", "poison pill")
	if err != nil {
		t.Fatal(err)
	}
	var dl adminapi.DeadLetters
	testnode.WaitFor(t, 20*time.Second, "the dead letter", func() bool {
		code, _ := adminCall(t, http.MethodGet, api+adminapi.PathDeadLetters, adminToken, nil, &dl)
		return code == 200 && len(dl.Letters) == 1
	})
	l := dl.Letters[0]
	if !dl.Enabled || l.Room != "r" || l.Offset != ack.Offset || l.Type != protocol.WebhookMessage ||
		l.ID != webhook.EventID("r", ack.Epoch, ack.Offset) || !strings.Contains(l.Reason, "HTTP 500") {
		t.Errorf("dead letter %+v (enabled %v)", l, dl.Enabled)
	}
	if code, perr := adminCall(t, http.MethodPost, api+adminapi.PathRetry, adminToken, adminapi.Retry{Seq: l.Seq}, nil); code != http.StatusBadGateway || perr == nil {
		t.Errorf("a retry the receiver refuses: %d %v, want 502", code, perr)
	}
	fixed.Store(true)
	if code, perr := adminCall(t, http.MethodPost, api+adminapi.PathRetry, adminToken, adminapi.Retry{Seq: l.Seq}, nil); code != 200 {
		t.Fatalf("retry: %d %v", code, perr)
	}
	if _, ok := rcv.count(l.ID); ok != 1 {
		t.Errorf("the receiver accepted the retried event %d times, want 1", ok)
	}
	if code, _ := adminCall(t, http.MethodGet, api+adminapi.PathDeadLetters, adminToken, nil, &dl); code != 200 || len(dl.Letters) != 0 {
		t.Errorf("after the retry: %d, %+v; want none left", code, dl.Letters)
	}
	for _, c := range []struct {
		cred string
		body any
		want int
	}{
		{adminToken, adminapi.Retry{Seq: l.Seq}, http.StatusNotFound},
		{adminToken, adminapi.Retry{}, http.StatusBadRequest},
		{adminToken, `{"seq":1,"extra":true}`, http.StatusBadRequest},
		{"wrong-token-wrong-token", adminapi.Retry{Seq: l.Seq}, http.StatusUnauthorized},
	} {
		if code, _ := adminCall(t, http.MethodPost, api+adminapi.PathRetry, c.cred, c.body, nil); code != c.want {
			t.Errorf("retry %v with %q: %d, want %d", c.body, c.cred, code, c.want)
		}
	}
}

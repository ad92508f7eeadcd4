package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// An event the webhook gave up on shows on the admin dashboard with why;
// once the backend is fixed, its Retry button delivers it and the list
// empties. Screenshot: admin-dead-letters.png.
func TestAdminDeadLetterRetry(t *testing.T) {
	var fixed atomic.Bool
	var got atomic.Int32
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body protocol.WebhookBody
		json.NewDecoder(r.Body).Decode(&body)
		if strings.HasPrefix(body.Data.Text, "poison") && !fixed.Load() {
			http.Error(w, "cannot parse", http.StatusInternalServerError)
			return
		}
		got.Add(1)
	}))
	t.Cleanup(backend.Close)
	n := startNode(t, server.Config{
		AdminToken: e2eAdminToken, WebhookURL: backend.URL, WebhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		WebhookEvents: []string{string(protocol.WebhookMessage)}, WebhookMaxAttempts: 2, WebhookMinBackoff: 10 * time.Millisecond, WebhookMaxBackoff: 20 * time.Millisecond,
	})
	bot := testnode.Dial(t, n.WS, "bot")
	joinGo(t, bot, "orders")
	sendGo(t, bot, "orders", "poison pill")

	alloc := browser(t)
	admin := newTab(t, alloc, "admin")
	admin.navigate(n.HTTP.URL + "/admin")
	admin.typeInto("textbox", "Admin token", e2eAdminToken)
	admin.click("button", "Open dashboard")
	admin.waitBody("Webhook dead letters")
	admin.waitBody("HTTP 500")
	evalPage[bool](admin, `(document.getElementById("sb-admin-dead").scrollIntoView(), true)`)
	admin.screenshot("admin-dead-letters")
	fixed.Store(true)
	admin.click("button", "Retry message.created for default in #orders at 1")
	admin.waitBody("Delivered: the backend took it.")
	admin.waitBody("None: the backend took every event.")
	if got.Load() != 1 {
		t.Errorf("the backend took %d events, want the retried one", got.Load())
	}
}

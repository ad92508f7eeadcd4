package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// A site's backend that refuses a join and a message through its hook:
// the person sees its reasons in the room page, and the refused message
// comes back to the composer.
func TestHookRefusalsShown(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req protocol.HookRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			w.WriteHeader(400)
			return
		}
		ans := protocol.HookAnswer{Allow: true}
		switch {
		case req.Kind == protocol.HookJoin && req.Room == "closed":
			ans = protocol.HookAnswer{Reason: "This room opens at 9:00."}
		case req.Kind == protocol.HookPublish && strings.Contains(req.Text, "spam"):
			ans = protocol.HookAnswer{Reason: "No spam here, please."}
		}
		json.NewEncoder(w).Encode(&ans)
	}))
	t.Cleanup(backend.Close)
	n := startNode(t, server.Config{HookURL: backend.URL, HookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	alloc := browser(t)
	tb, _ := openTab(t, alloc, "ann")

	tb.joinRoom(n.HTTP.URL, "open")
	tb.say("buy spam now")
	tb.waitBody("No spam here, please.")
	if got := evalPage[string](tb, `document.getElementById("sb-message") ? document.getElementById("sb-message").value : ""`); got != "buy spam now" {
		t.Errorf("the composer holds %q, want the refused message back", got)
	}
	tb.screenshot("hook-message-refused")

	tb.navigate(n.HTTP.URL + "/")
	tb.clear("textbox", "Room")
	tb.typeInto("textbox", "Room", "closed")
	tb.click("button", "Join")
	tb.waitBody("This room opens at 9:00.")
	tb.find("link", "Back to rooms")
	if evalPage[bool](tb, `!document.getElementById("sb-message") || !document.getElementById("sb-message").disabled`) {
		t.Error("the composer of a room the site refused stays usable")
	}
	if strings.Contains(tb.waitBody("This room opens at 9:00."), "Loading messages") {
		t.Error("a refused room still says it is loading")
	}
	tb.screenshot("hook-join-refused")
}

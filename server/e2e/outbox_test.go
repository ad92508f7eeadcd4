package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// A message typed while the server is down waits in the outbox (local
// storage), shows as pending, survives a reload, and is delivered exactly
// once when the server is back on the same address with the same data.
func TestOutboxSurvivesReloadAndServerRestart(t *testing.T) {
	const room, text = "e2e-outbox", "typed while the server was down"
	node := testnode.StartRestartable(t, server.Config{WebDir: webDir})
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	ann.joinRoom(node.URL, room)
	ann.say("before the outage")
	ann.waitText("list", "Messages", "before the outage")
	ann.waitNoText("list", "Messages", "Sending…")

	node.Stop()
	ann.waitNoText("status", "Connection", "Connected")
	ann.say(text)
	ann.waitText("list", "Messages", text)
	ann.waitText("list", "Messages", "Sending…")

	ann.do("reload", chromedp.Reload())
	ann.find("textbox", "Message")
	ann.waitText("list", "Messages", text)
	ann.waitText("list", "Messages", "Sending…")
	stored := evalPage[string](ann, `localStorage.getItem("switchboard/outbox/`+room+`") || ""`)
	if !strings.Contains(stored, text) {
		t.Fatalf("the outbox in local storage is %q", stored)
	}

	node.Start()
	// The session waits up to 20 s between attempts; the person can skip it.
	if ann.count("button", "Retry now") == 1 {
		ann.click("button", "Retry now")
	}
	ann.waitText("status", "Connection", "Connected")
	ann.waitNoText("list", "Messages", "Sending…")
	ann.waitText("list", "Messages", text)
	if stored := evalPage[string](ann, `localStorage.getItem("switchboard/outbox/`+room+`") || ""`); stored != "" {
		t.Errorf("the outbox still holds %q after delivery", stored)
	}

	// Exactly once in the room's stored history.
	c := testnode.Dial(t, node.WS, "checker")
	joined := joinGo(t, c, room)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hist, err := c.Do(ctx, protocol.Command{Type: protocol.CmdHistory, Room: room, Epoch: joined.Epoch, Offset: joined.Offset + 1, Limit: protocol.MaxHistoryPage})
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	n := 0
	for _, ev := range hist.Events {
		if ev.Type == protocol.EvMessage && ev.Text == text {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the message is stored %d times, want exactly once (history: %+v)", n, hist.Events)
	}
	// And shown once after another reload.
	ann.do("reload", chromedp.Reload())
	ann.waitText("status", "Connection", "Connected")
	ann.waitText("list", "Messages", text)
	if got, _ := textOf(ann, "list", "Messages"); strings.Count(got, text) != 1 {
		t.Errorf("the message shows %d times: %q", strings.Count(got, text), got)
	}
}

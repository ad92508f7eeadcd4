package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
)

// With the server down (its address answers nothing), reloading a room
// shows the page from the service worker: the room, the messages this
// browser saw last, the unsent one in the outbox, and the connection
// state; when the server is back, the unsent message goes out.
func TestOfflineReloadShowsRoom(t *testing.T) {
	const room = "e2e-offline"
	r := testnode.StartRestartable(t, server.Config{WebDir: webDir})
	alloc := browser(t)
	ann := newTab(t, alloc, "ann")
	ann.beforeScripts(rememberNickname("ann"))
	ann.navigate(r.URL + "/r/" + room)
	ann.waitText("status", "Connection", "Connected")
	waitEval(ann, `navigator.serviceWorker.controller !== null`, true)
	ann.say("seen before the outage")
	ann.waitText("list", "Messages", "seen before the outage")
	ann.waitNoText("list", "Messages", "Sending…")
	waitEval(ann, `(localStorage.getItem("switchboard/recent/`+room+`") || "").includes("seen before the outage")`, true)

	r.Unplug()
	ann.waitNoText("status", "Connection", "Connected")
	ann.say("typed while the server was down")
	ann.waitText("list", "Messages", "Sending…")

	ann.do("reload", chromedp.Reload())
	ann.find("textbox", "Message")
	ann.waitText("list", "Messages", "seen before the outage")
	ann.waitText("list", "Messages", "typed while the server was down")
	ann.waitText("list", "Messages", "Sending…")
	if got, _ := textOf(ann, "status", "Connection"); got == "Connected" || got == "" {
		t.Errorf("the connection state says %q with the server down", got)
	}

	r.Start()
	if ann.count("button", "Retry now") == 1 {
		ann.click("button", "Retry now")
	}
	ann.waitText("status", "Connection", "Connected")
	ann.waitNoText("list", "Messages", "Sending…")
	ann.waitText("list", "Messages", "typed while the server was down")
}

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
	// Who was online is the last list known, and says so; on a phone the
	// top bar keeps to one row with the state and Retry in it.
	ann.waitText("region", "Online", "online (last known)")
	ann.do("phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	ann.find("button", "Retry now")
	if h := evalPage[float64](ann, `document.querySelector(".sb-topbar").getBoundingClientRect().height`); h > 60 {
		t.Errorf("the top bar is %.0f px high at 360 px wide: it wrapped", h)
	}
	ann.screenshot("room-phone-offline")
	ann.do("desktop viewport", chromedp.EmulateViewport(1280, 800))
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

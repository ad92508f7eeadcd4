package e2e

import (
	"testing"

	"github.com/switchboard-rt/switchboard/server"
)

// An address with no page shows the app's not-found page (for a bad room
// name, the naming rules) once the app runs, and its link leads home.
// Screenshot: not-found.png.
func TestNotFoundPage(t *testing.T) {
	n := startNode(t, server.Config{})
	alloc := browser(t)
	tb := newTab(t, alloc, "lost")
	tb.navigate(n.HTTP.URL + "/r/not.a.room")
	tb.waitBody("“not.a.room” is not a room name")
	tb.find("link", "Go to the rooms")
	tb.screenshot("not-found")
	tb.click("link", "Go to the rooms")
	tb.find("textbox", "Nickname")
}

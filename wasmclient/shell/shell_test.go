package shell

import (
	"regexp"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	h := Handler()
	if h.Name != "Switchboard" || h.Lang != "en" || len(h.Styles) != 1 || h.Styles[0] != "/web/app.css" {
		t.Errorf("handler = %+v", h)
	}
	for _, icon := range []string{h.Icon.Default, h.Icon.Large, h.Icon.SVG, h.Icon.Maskable} {
		if !strings.HasPrefix(icon, "/web/") {
			t.Errorf("icon %q is not a local file", icon)
		}
	}
}

func TestRoomOfPage(t *testing.T) {
	for path, want := range map[string]string{
		"/r/lobby":      "lobby",
		"/embed/team-1": "team-1",
		"/r/":           "",
		"/r/a/b":        "",
		"/c/lobby":      "",
		"/admin":        "",
		"/x/r/lobby":    "",
	} {
		if got := RoomOfPage(path); got != want {
			t.Errorf("RoomOfPage(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestPatternsAgreeWithRoomOfPage: a path a room page pattern matches has
// a room, and the patterns compile.
func TestPatternsAgreeWithRoomOfPage(t *testing.T) {
	for _, p := range []string{RoomPattern, EmbedPattern} {
		re := regexp.MustCompile(p)
		for _, path := range []string{"/r/lobby", "/embed/lobby", "/r/x_y-z"} {
			if re.MatchString(path) && RoomOfPage(path) == "" {
				t.Errorf("%s matches %q, which RoomOfPage finds no room in", p, path)
			}
		}
	}
	for _, p := range Patterns {
		regexp.MustCompile(p)
	}
}

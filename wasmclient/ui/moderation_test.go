package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Moderation controls show for moderators and admins only: Delete on every
// message, Edit on their own only, Kick and Ban for everyone else.
func TestRoomModerationControls(t *testing.T) {
	t.Parallel()
	for _, role := range []string{"", protocol.RoleMember, protocol.RoleModerator, protocol.RoleAdmin} {
		c := testRoom()
		c.model.me.Role = role
		html := app.HTMLString(c)
		mod := role == protocol.RoleModerator || role == protocol.RoleAdmin
		deletes, edits := strings.Count(html, `aria-label="Delete message"`), strings.Count(html, `aria-label="Edit message"`)
		wantDeletes := 1
		if mod {
			wantDeletes = 2
		}
		if deletes != wantDeletes || edits != 1 {
			t.Errorf("role %q: %d Delete and %d Edit buttons, want %d and 1", role, deletes, edits, wantDeletes)
		}
		kick := strings.Contains(html, `aria-label="Kick Grace"`) && strings.Contains(html, `aria-label="Ban Grace for 1 hour"`)
		if kick != mod {
			t.Errorf("role %q: Kick and Ban shown = %v", role, kick)
		}
		if strings.Contains(html, `aria-label="Kick Ada"`) {
			t.Errorf("role %q: a Kick button for the reader", role)
		}
	}

	// The reason form of a kick: a labelled field and a Kick button.
	c := testRoom()
	c.model.me.Role = protocol.RoleModerator
	c.modTarget = &modAction{user: protocol.User{ID: "u2", Name: "Grace"}}
	html := app.HTMLString(c)
	mustHave(t, html, "label", `for="`+idModReason+`"`)
	mustHave(t, html, "input", `id="`+idModReason+`"`)
	if !strings.Contains(html, ">Reason</label>") || !strings.Contains(html, ">Kick</button>") {
		t.Errorf("the reason form must have a Reason field and a Kick button:\n%s", html)
	}
}

// A removed person reads why in an alert, with the way back, and cannot
// type; moderation controls are gone.
func TestRoomRemoved(t *testing.T) {
	t.Parallel()
	c := testRoom()
	c.model.me.Role = protocol.RoleModerator
	c.removed = removedText("lobby", "Be nice", 0, time.Now())
	html := app.HTMLString(c)
	mustHave(t, html, "div", `id="`+idRemoved+`"`, `role="alert"`)
	if !strings.Contains(html, "A moderator removed you from #lobby: Be nice") || !strings.Contains(html, ">Back to rooms</a>") {
		t.Errorf("no removal notice:\n%s", html)
	}
	mustHave(t, html, "textarea", `id="`+idComposer+`"`, `disabled`)
	if strings.Contains(html, `aria-label="Delete message"`) || strings.Contains(html, `aria-label="Kick Grace"`) {
		t.Errorf("moderation controls shown after removal")
	}
}

func TestRemovedText(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 13, 0, 0, 0, time.Local)
	until := time.Date(2026, 11, 21, 14, 30, 0, 0, time.Local)
	tests := []struct {
		reason string
		until  int64
		want   string
	}{
		{"Please keep it civil", 0, "A moderator removed you from #lobby: Please keep it civil"},
		{"  ", 0, "A moderator removed you from #lobby."},
		{"Spam", until.UnixMilli(), "A moderator removed you from #lobby: Spam You are banned until 14:30."},
		{"", until.AddDate(0, 0, 2).UnixMilli(), "A moderator removed you from #lobby. You are banned until Mon 23 Nov 14:30."},
	}
	for _, tt := range tests {
		if got := removedText("lobby", tt.reason, tt.until, now); got != tt.want {
			t.Errorf("removedText(%q, %d) = %q, want %q", tt.reason, tt.until, got, tt.want)
		}
	}
}

func TestBannedText(t *testing.T) {
	t.Parallel()
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	msg := "a moderator banned you from this room until " + until.UTC().Format(time.RFC3339)
	want := "A moderator banned you from this room until " + until.Local().Format("15:04") + "."
	if until.Local().Format("2006-01-02") != time.Now().Local().Format("2006-01-02") {
		want = "A moderator banned you from this room until " + until.Local().Format("Mon 2 Jan 15:04") + "."
	}
	if got := plainError(&protocol.Error{Code: protocol.CodeBanned, Message: msg}); got != want {
		t.Errorf("banned = %q, want %q", got, want)
	}
	if got := bannedText("banned for a while"); got != "Banned for a while." {
		t.Errorf("bannedText without a time = %q", got)
	}
}

func TestCleanToken(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"abc.def.ghi": "abc.def.ghi", ` "abc.def.ghi" `: "abc.def.ghi", "": "", `""`: ""} {
		if got := cleanToken(in); got != want {
			t.Errorf("cleanToken(%q) = %q, want %q", in, got, want)
		}
	}
}

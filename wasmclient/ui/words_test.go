package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func TestPlainError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *protocol.Error
		want string
	}{
		{nil, ""},
		{protocol.Errorf(protocol.CodeInvalidText, "message is empty"), "Message is empty."},
		{&protocol.Error{Code: protocol.CodeNameTaken, Message: `someone in this room already uses the nickname "Ada"`, Suggestion: "Ada2"}, "Someone in this room already uses the nickname “Ada”. How about “Ada2”?"},
		{&protocol.Error{Code: protocol.CodeNameTaken, Message: `someone in this room already uses the nickname "say "hi""`}, "Someone in this room already uses the nickname “say \"hi\"”."},
		{&protocol.Error{Code: protocol.CodeNameTaken, Message: "x", Suggestion: "Ada2"}, "Someone in this room already uses that nickname. How about “Ada2”?"},
		{protocol.Errorf(protocol.CodeRateLimited, "slow down"), "You are sending messages too fast."},
		{protocol.Errorf(protocol.CodeInternal, "db: connection refused at 10.0.0.1"), "Something went wrong on the server."},
		{protocol.Errorf("future_code", "something new"), "Something new."},
	}
	for _, tt := range tests {
		if got := plainError(tt.err); !strings.HasPrefix(got, tt.want) {
			t.Errorf("plainError(%v) = %q, want it to start with %q", tt.err, got, tt.want)
		}
	}
}

func TestSentence(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                  "",
		"  room is missing": "Room is missing.",
		"done.":             "Done.",
		"ça va?":            "Ça va?",
	} {
		if got := sentence(in); got != want {
			t.Errorf("sentence(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatCount(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 4000: "4,000", 1234567: "1,234,567"} {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
}

// The time of a message or a ban is shown in the reader's zone: the clock
// time alone on the reader's today, with the day otherwise, and "today" is
// the reader's day, not UTC's.
func TestClock(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	paris := time.FixedZone("UTC+2", 2*60*60)
	newYork := time.FixedZone("UTC-5", -5*60*60)
	tests := []struct {
		name   string
		t, now string
		loc    *time.Location
		want   string
	}{
		{"same day UTC", "2026-03-02T14:05:00Z", "2026-03-02T18:00:00Z", time.UTC, "14:05"},
		{"shifted to the zone", "2026-03-02T14:05:00Z", "2026-03-02T18:00:00Z", paris, "16:05"},
		{"yesterday", "2026-03-01T14:05:00Z", "2026-03-02T18:00:00Z", time.UTC, "Sun 1 Mar 14:05"},
		{"tomorrow", "2026-03-03T09:30:00Z", "2026-03-02T18:00:00Z", time.UTC, "Tue 3 Mar 09:30"},
		{"other UTC days, same local day", "2026-03-02T23:30:00Z", "2026-03-03T00:10:00Z", paris, "01:30"},
		{"same UTC day, other local days", "2026-03-02T23:30:00Z", "2026-03-02T21:00:00Z", paris, "Tue 3 Mar 01:30"},
		{"west of UTC, previous local day", "2026-03-02T03:00:00Z", "2026-03-02T12:00:00Z", newYork, "Sun 1 Mar 22:00"},
		{"a year away keeps the day", "2025-12-31T08:00:00Z", "2026-12-31T08:00:00Z", time.UTC, "Wed 31 Dec 08:00"},
	}
	for _, tt := range tests {
		if got := clockIn(utc(tt.t), utc(tt.now), tt.loc); got != tt.want {
			t.Errorf("%s: clockIn(%s, now %s, %s) = %q, want %q", tt.name, tt.t, tt.now, tt.loc, got, tt.want)
		}
	}
}

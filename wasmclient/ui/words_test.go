package ui

import (
	"strings"
	"testing"

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

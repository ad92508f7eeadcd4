package protocol

import (
	"strings"
	"testing"
)

func TestValidateReaction(t *testing.T) {
	good := []string{"👍", "❤️", "😂", "🎉", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣", "#️⃣", "©️", "🫡"}
	for _, s := range good {
		if err := ValidateReaction(s); err != nil {
			t.Errorf("ValidateReaction(%q) = %v, want nil", s, err)
		}
	}
	bad := []string{"", "a", "1", "+1", " 👍", "👍 ", "👍👍", "🇫🇷🇩🇪", "<b>", "\u200d", "\xff", "👍\n", strings.Repeat("👍", 9), "🏽"}
	for _, s := range bad {
		err := ValidateReaction(s)
		if err == nil || err.Code != CodeBadRequest {
			t.Errorf("ValidateReaction(%q) = %v, want a bad_request error", s, err)
		}
	}
}

// A reaction command needs a room, a target and one emoji, and nothing
// else; a send may name the message it replies to.
func TestReactAndReplyCommands(t *testing.T) {
	cases := []struct {
		cmd Command
		ok  bool
	}{
		{Command{Type: CmdReact, ID: "1", Room: "r", Target: 3, Text: "👍"}, true},
		{Command{Type: CmdUnreact, ID: "1", Room: "r", Target: 3, Text: "👍"}, true},
		{Command{Type: CmdReact, ID: "1", Room: "r", Text: "👍"}, false},
		{Command{Type: CmdReact, ID: "1", Room: "r", Target: 3, Text: "nice"}, false},
		{Command{Type: CmdReact, ID: "1", Room: "r", Target: 3, Text: "👍", Limit: 2}, false},
		{Command{Type: CmdSend, ID: "1", Room: "r", Target: 3, Text: "yes"}, true},
	}
	for _, c := range cases {
		err := c.cmd.Validate()
		if (err == nil) != c.ok {
			t.Errorf("Validate(%+v) = %v, want ok %v", c.cmd, err, c.ok)
		}
	}
}

package protocol

import (
	"strings"
	"testing"
)

// Frames a lenient decoder lets through are refused with bad_request and
// a reason; the error names no more than a member name of the input.
func TestDecodeCommandStrict(t *testing.T) {
	for _, tc := range []struct {
		name, frame, reason string
	}{
		{"duplicate type", `{"type":"hello","type":"send","id":"a1","name":"x"}`, `duplicate key "type"`},
		{"duplicate text", `{"type":"send","id":"a1","room":"r","text":"first","text":"second"}`, `duplicate key "text"`},
		{"duplicate nested", `{"type":"points","id":"a1","room":"r","points":[{"series":"a","value":1,"value":2}]}`, `duplicate key "value"`},
		{"null", `null`, "send one JSON object"},
		{"array", `[{"type":"ping","id":"a1"}]`, "send one JSON object"},
		{"string", `"ping"`, "send one JSON object"},
		{"empty", ``, "send one JSON object"},
		{"unknown member", `{"type":"ping","id":"a1","extra":1}`, `unknown field "extra"`},
		{"other case", `{"Type":"ping","id":"a1"}`, `unknown field "Type"`},
		{"trailing value", `{"type":"ping","id":"a1"} {"type":"ping","id":"a2"}`, "malformed JSON"},
		{"wrong type", `{"type":"ping","id":7}`, `wrong type for "/id"`},
		{"truncated", `{"type":"ping","id":"a1"`, "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeCommand([]byte(tc.frame))
			perr, ok := err.(*Error)
			if !ok || perr.Code != CodeBadRequest || !strings.Contains(perr.Message, tc.reason) {
				t.Fatalf("DecodeCommand(%s) = %v, want bad_request with %q", tc.frame, err, tc.reason)
			}
		})
	}
	if _, err := DecodeCounterAction([]byte(`{"action":"plus","action":"minus"}`)); err == nil || !strings.Contains(err.Error(), "duplicate key") {
		t.Errorf("a counter action with two actions: %v", err)
	}
	// What was valid stays valid, with leading white space too.
	c, err := DecodeCommand([]byte(" \n{\"type\":\"send\",\"id\":\"a1\",\"room\":\"r\",\"text\":\"hi\"}\n"))
	if err != nil || c.Type != CmdSend || c.Text != "hi" {
		t.Fatalf("a valid send: %+v %v", c, err)
	}
}

//go:build js

package protocol

import "testing"

// The browser build refuses the reserved names as typed (any case) and
// leaves look-alikes to the server, which compares the full keys.
func TestNormalizeNicknameInTheBrowser(t *testing.T) {
	for _, name := range []string{"Operator", "ADMIN", " system "} {
		if _, perr := NormalizeNickname(name); perr == nil || perr.Code != CodeInvalidName {
			t.Errorf("NormalizeNickname(%q) = %v, want invalid_name", name, perr)
		}
	}
	if _, perr := NormalizeNickname("ann"); perr != nil {
		t.Errorf("ann: %v", perr)
	}
}

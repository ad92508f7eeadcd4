//go:build !js

package protocol

import "testing"

// Names that look the same to a reader clash: case, width and
// compatibility forms (PRECIS) and TR39 look-alikes; names that differ
// keep different keys.
func TestSameName(t *testing.T) {
	same := [][]string{
		{"ctrl", "CTRL", "сtrl" /* Cyrillic es */, "ｃｔｒｌ" /* full width */, "ctrӏ" /* Cyrillic palochka */},
		{"operator", "Operator", "0perator", "ОРЕRАТОR" /* Cyrillic capitals */},
		{"élise", "ÉLISE", "e\u0301lise"},
		{"admin", "аdmin" /* Cyrillic a */, "ａｄｍｉｎ"},
	}
	for _, group := range same {
		for _, n := range group[1:] {
			if !SameName(n, group[0]) {
				t.Errorf("%q (keys %q) and %q (keys %q) do not clash", n, KeysOf(n), group[0], KeysOf(group[0]))
			}
		}
	}
	for _, pair := range [][2]string{{"ann", "bob"}, {"ann", "anna"}, {"zoe", "zoë"}, {"operator", "operators"}} {
		if SameName(pair[0], pair[1]) {
			t.Errorf("%q and %q clash (keys %q, %q)", pair[0], pair[1], KeysOf(pair[0]), KeysOf(pair[1]))
		}
	}
}

// People may not take the names the server speaks under, nor their
// look-alikes; other names pass.
func TestNormalizeNickname(t *testing.T) {
	for _, name := range []string{"Operator", "0perator", "ОРЕRАТОR", "admin", "аdmin", "ＡＤＭＩＮ", "Moderator", "SYSTEM", "Switchboard", " server "} {
		if _, perr := NormalizeNickname(name); perr == nil || perr.Code != CodeInvalidName {
			t.Errorf("NormalizeNickname(%q) = %v, want invalid_name", name, perr)
		}
	}
	for _, name := range []string{"ann", "operators", "sysadmin", "Élise", "ctrl"} {
		if n, perr := NormalizeNickname(name); perr != nil || n == "" {
			t.Errorf("NormalizeNickname(%q) = %q, %v; want it accepted", name, n, perr)
		}
	}
	// A hello naming a reserved name is refused when decoded.
	if _, err := DecodeCommand([]byte(`{"type":"hello","id":"h","name":"Operator"}`)); err == nil {
		t.Error("a hello as Operator was accepted")
	}
}

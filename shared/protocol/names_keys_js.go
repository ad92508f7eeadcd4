//go:build js

package protocol

import "strings"

// KeysOf returns the keys of name, in the browser build: case folded only
// (see NameKeys). The server compares the full keys.
func KeysOf(name string) NameKeys {
	k := nfc(strings.ToLower(strings.TrimSpace(name)))
	return NameKeys{k, k}
}

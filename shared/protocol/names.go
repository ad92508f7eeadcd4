package protocol

import "strings"

// Nicknames are compared by keys that ignore what a reader cannot see
// (see NameKeys), so nobody can take a name that looks like one already in
// the room, or like the names the server itself speaks under.

// ReservedNames are the names people may not take, nor anything that
// looks like them: the names the server and its operators speak under
// (admin notices come from "Operator").
var ReservedNames = []string{"operator", "admin", "administrator", "moderator", "system", "switchboard", "server"}

// OperatorID is the user id of the notices an operator posts from the
// admin dashboard; no person's id can take this form.
const OperatorID = "sb-operator"

var reservedKeys = func() []NameKeys {
	keys := make([]NameKeys, len(ReservedNames))
	for i, n := range ReservedNames {
		keys[i] = KeysOf(n)
	}
	return keys
}()

// NameKeys are the keys under which a nickname is compared: two names
// whose keys clash (see Clash) cannot be in one room at once. Both fold
// what PRECIS's Nickname profile folds (RFC 8266: case, width,
// compatibility forms such as full-width "ｃｔｒｌ", spaces) and map
// characters that look alike to one of them (Unicode TR39 confusable
// skeletons: Cyrillic "сtrl" or "ctrӏ" are "ctrl"), then fold again (a
// skeleton may hold capitals: "0" becomes "O"). They differ in order:
//   - the first folds, then maps: "ÉLISE" is "élise" (mapping first would
//     read its capital I as an l);
//   - the second maps the name as written, then folds: Cyrillic capitals
//     "ОРЕRАТОR" are Latin "OPERATOR", so "operator" (folding first
//     would give Cyrillic small letters, whose look-alikes differ).
//
// Keys are only for comparing; never show them.
//
// The browser build (GOOS=js) leaves the PRECIS and confusables tables
// out (they made app.wasm 1.41 MB larger, 223 KB in brotli): there its
// keys only fold case, so the web app refuses the reserved names as
// typed and shows the server's answer for look-alikes (names_keys.go,
// names_keys_js.go).
type NameKeys [2]string

// Clash reports whether two names with keys k and o look alike.
func (k NameKeys) Clash(o NameKeys) bool { return k[0] == o[0] || k[1] == o[1] }

// SameName reports whether nicknames a and b look alike (see NameKeys).
func SameName(a, b string) bool { return KeysOf(a).Clash(KeysOf(b)) }

// NameKey is the first of name's keys (see NameKeys): one string that
// equal names share, for a map; SameName is the full comparison.
func NameKey(name string) string { return KeysOf(name)[0] }

// Reserved reports whether name is, or looks like, one of ReservedNames.
func Reserved(name string) bool {
	k := KeysOf(name)
	for _, r := range reservedKeys {
		if k.Clash(r) {
			return true
		}
	}
	return false
}

// NormalizeNickname is NormalizeName for a name a person picks (a hello,
// a plain-text client's path, an HTTP API sender, the web app's forms):
// it also refuses the reserved names and their look-alikes. Names a site
// vouches for in a signed token skip this check.
func NormalizeNickname(name string) (string, *Error) {
	n, perr := NormalizeName(name)
	if perr != nil {
		return n, perr
	}
	if Reserved(n) {
		return "", Errorf(CodeInvalidName, "the nickname %q is reserved (it is, or looks like, a name the server uses); pick another", n)
	}
	return n, nil
}

// SortKey orders nicknames for display: case-insensitively, cheap enough
// for every render. Use NameKey to compare identities.
func SortKey(name string) string { return strings.ToLower(name) }

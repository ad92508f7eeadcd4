package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// identity is who this browser is: the nickname the person chose and the
// session token of the welcome that answered it. The token keeps the same
// user id across reconnects and tabs, so it belongs to that nickname only: a
// different nickname is a different person and starts without a token.
type identity struct {
	Name    string `json:"name"`
	Session string `json:"session,omitempty"`
}

// loadIdentity reads the stored identity; the zero value means none.
func loadIdentity(s app.BrowserStorage) identity {
	var id identity
	if err := s.Get(keyIdentity, &id); err != nil {
		return identity{}
	}
	return id
}

// storeIdentity stores id. Storage failures (private mode, quota) are not
// fatal: the page keeps working, the nickname is just not remembered.
func storeIdentity(s app.BrowserStorage, id identity) {
	if err := s.Set(keyIdentity, id); err != nil {
		app.Log("switchboard: cannot store nickname:", err)
	}
}

// withName returns the identity for nickname name: the same one, token
// included, if the name is unchanged, and a fresh one otherwise.
func (id identity) withName(name string) identity {
	if name == id.Name {
		return id
	}
	return identity{Name: name}
}

// helloSession is the token to present in hello for nickname name: the
// stored one only if it was issued for that name.
func (id identity) helloSession(name string) string {
	if name != id.Name {
		return ""
	}
	return id.Session
}

// loadToken returns the site's JWT stored under keyToken, or "". The value
// is read as a plain string (what a host page's localStorage.setItem
// writes); a JSON-quoted string, as app.BrowserStorage writes it, works too.
func loadToken() string {
	ls := app.Window().Get("localStorage")
	if !ls.Truthy() {
		return ""
	}
	v := ls.Call("getItem", keyToken)
	if !v.Truthy() {
		return ""
	}
	return cleanToken(v.String())
}

// cleanToken trims a stored token and removes JSON quotes around it.
func cleanToken(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return strings.TrimSpace(s)
}

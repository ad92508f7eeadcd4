package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every endpoint is described in openapi.json, with its method, and the
// file describes no path the API does not serve.
func TestOpenAPIDescribesEveryEndpoint(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	served := map[string]bool{"/openapi.json": true}
	for _, e := range endpoints {
		served[e.path] = true
		if _, ok := doc.Paths[e.path][strings.ToLower(e.method)]; !ok {
			t.Errorf("openapi.json does not describe %s %s", e.method, e.path)
		}
	}
	for p := range doc.Paths {
		if !served[p] {
			t.Errorf("openapi.json describes %s, which the API does not serve", p)
		}
	}
}

func TestParseKeys(t *testing.T) {
	good := "# backends\n\nalerts  0123456789abcdef01234567  alerts-*,ops\n\nbot 0123456789abcdef0123456789 *\n"
	keys, err := ParseKeys(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].Name != "alerts" || len(keys[0].Rooms) != 2 || keys[1].Rooms[0] != "*" {
		t.Fatalf("keys = %+v", keys)
	}
	secret := "0123456789abcdef01234567"
	for _, bad := range []string{
		"alerts " + secret,                        // no patterns
		"al erts " + secret + " *",                // four fields
		"al.erts " + secret + " *",                // bad name
		"alerts short *",                          // short secret
		"a " + secret + " *\nb " + secret + " *",  // secret twice
		"a " + secret + " *\na " + secret + "x *", // name twice
		"alerts " + secret + " [",                 // bad pattern
		"alerts " + secret + " ,",                 // no patterns
	} {
		_, err := ParseKeys(strings.NewReader(bad))
		if err == nil {
			t.Errorf("%q: no error", bad)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("%q: the error shows the secret: %v", bad, err)
		}
	}
}

func TestKeyringFindsByExactSecret(t *testing.T) {
	kr := newKeyring([]Key{{Name: "a", Secret: "secret-a-0123456789abcdef"}, {Name: "b", Secret: "secret-b-0123456789abcdef"}})
	for secret, want := range map[string]string{
		"secret-a-0123456789abcdef":  "a",
		"secret-b-0123456789abcdef":  "b",
		"secret-b-0123456789abcde":   "",
		"secret-b-0123456789abcdefx": "",
		"":                           "",
	} {
		got := ""
		if k := kr.find(secret); k != nil {
			got = k.Name
		}
		if got != want {
			t.Errorf("find(%q) = %q, want %q", secret, got, want)
		}
	}
	k := Key{Rooms: []string{"alerts-*", "ops"}}
	for room, want := range map[string]bool{"alerts-db": true, "ops": true, "ops2": false, "lobby": false} {
		if k.allows(room) != want {
			t.Errorf("allows(%q) = %v", room, !want)
		}
	}
}

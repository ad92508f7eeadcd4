package ui

import (
	"encoding/json"
	"testing"
)

// mapStorage is an app.BrowserStorage in memory, as localStorage holds JSON.
type mapStorage map[string][]byte

func (s mapStorage) Set(k string, v any) error {
	b, err := json.Marshal(v)
	s[k] = b
	return err
}

func (s mapStorage) Get(k string, v any) error {
	b, ok := s[k]
	if !ok {
		return nil
	}
	return json.Unmarshal(b, v)
}
func (s mapStorage) Del(k string)           { delete(s, k) }
func (s mapStorage) Len() int               { return len(s) }
func (s mapStorage) Clear()                 { clear(s) }
func (s mapStorage) Contains(k string) bool { _, ok := s[k]; return ok }
func (s mapStorage) ForEach(f func(k string)) {
	for k := range s {
		f(k)
	}
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	s := mapStorage{}
	if id := loadIdentity(s); id != (identity{}) {
		t.Fatalf("empty storage gave %+v", id)
	}
	storeIdentity(s, identity{Name: "Ada", Session: "tok"})
	id := loadIdentity(s)
	if id.helloSession("Ada") != "tok" {
		t.Errorf("the token belongs to its nickname")
	}
	if id.helloSession("Bob") != "" {
		t.Errorf("another nickname is another person: no token")
	}
	if got := id.withName("Ada"); got.Session != "tok" {
		t.Errorf("withName(same) dropped the token: %+v", got)
	}
	if got := id.withName("Bob"); got != (identity{Name: "Bob"}) {
		t.Errorf("withName(other) = %+v, want a fresh identity", got)
	}
	s[keyIdentity] = []byte("not json")
	if id := loadIdentity(s); id != (identity{}) {
		t.Errorf("corrupt storage gave %+v, want none", id)
	}
}

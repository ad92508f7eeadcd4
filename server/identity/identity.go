// Package identity signs and verifies Switchboard session tokens: the
// server's word for who a browser is (a stable user id and the nickname it
// chose), so a reload or a reconnect keeps the same person without asking.
//
// A token is base64url(JSON claims) "." base64url(HMAC-SHA256). The key is
// created on first run and kept in the data folder; tokens are not secret
// from their holder, only unforgeable.
package identity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// KeySize is the length of a signing key in bytes.
const KeySize = 32

// Claims are what a session token says.
type Claims struct {
	// UserID is stable for the person across reconnects, tabs and reloads.
	UserID string `json:"u"`
	// Name is the canonical nickname the session was made for.
	Name string `json:"n"`
	// Issued is when the token was made, in Unix seconds.
	Issued int64 `json:"t"`
}

// Sessions signs tokens with the newest of its keys and verifies them with
// any, so a key can be rotated without logging everybody out. Safe for
// concurrent use.
type Sessions struct {
	maxAge time.Duration
	now    func() time.Time

	mu   sync.RWMutex
	keys [][]byte // oldest first; the last signs
}

// NewSessions returns Sessions with keys (oldest first, KeySize bytes each)
// that accept tokens up to maxAge old (30 days when zero).
func NewSessions(keys [][]byte, maxAge time.Duration) (*Sessions, error) {
	if maxAge <= 0 {
		maxAge = 30 * 24 * time.Hour
	}
	s := &Sessions{maxAge: maxAge, now: time.Now}
	return s, s.SetKeys(keys)
}

// SetKeys replaces the keys (oldest first; the last signs).
func (s *Sessions) SetKeys(keys [][]byte) error {
	if len(keys) == 0 {
		return errors.New("identity: no session key")
	}
	for _, k := range keys {
		if len(k) != KeySize {
			return fmt.Errorf("identity: key must be %d bytes, got %d", KeySize, len(k))
		}
	}
	s.mu.Lock()
	s.keys = keys
	s.mu.Unlock()
	return nil
}

// NewKey returns a fresh random signing key.
func NewKey() []byte {
	key := make([]byte, KeySize)
	rand.Read(key)
	return key
}

// NewUserID returns a fresh random user id.
func NewUserID() string {
	var b [9]byte
	rand.Read(b[:])
	return "u" + base64.RawURLEncoding.EncodeToString(b[:])
}

// Sign returns a token for c (Issued is set to now).
func (s *Sessions) Sign(c Claims) string {
	c.Issued = s.now().Unix()
	payload, _ := json.Marshal(c)
	p := base64.RawURLEncoding.EncodeToString(payload)
	s.mu.RLock()
	key := s.keys[len(s.keys)-1]
	s.mu.RUnlock()
	return p + "." + base64.RawURLEncoding.EncodeToString(mac(key, p))
}

// ErrInvalid is returned for a token that is malformed, forged or expired.
var ErrInvalid = errors.New("invalid session token")

// Verify returns the claims of a valid token.
func (s *Sessions) Verify(token string) (Claims, error) {
	var c Claims
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return c, ErrInvalid
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !s.signedByAny(got, p) {
		return c, ErrInvalid
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || json.Unmarshal(payload, &c) != nil || c.UserID == "" {
		return c, ErrInvalid
	}
	age := s.now().Sub(time.Unix(c.Issued, 0))
	if age > s.maxAge || age < -time.Minute {
		return c, ErrInvalid
	}
	return c, nil
}

func (s *Sessions) signedByAny(sig []byte, payload string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ok := false
	for _, k := range s.keys {
		ok = hmac.Equal(sig, mac(k, payload)) || ok // every key, in constant time
	}
	return ok
}

func mac(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

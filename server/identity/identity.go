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

// Sessions signs and verifies tokens with one key. Safe for concurrent use.
type Sessions struct {
	key []byte
	// MaxAge is how long a token stays valid. Default 30 days.
	maxAge time.Duration
	now    func() time.Time
}

// NewSessions returns Sessions that sign with key (KeySize bytes) and accept
// tokens up to maxAge old (30 days when zero).
func NewSessions(key []byte, maxAge time.Duration) (*Sessions, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("identity: key must be %d bytes, got %d", KeySize, len(key))
	}
	if maxAge <= 0 {
		maxAge = 30 * 24 * time.Hour
	}
	return &Sessions{key: key, maxAge: maxAge, now: time.Now}, nil
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
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac(p))
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
	if err != nil || !hmac.Equal(got, s.mac(p)) {
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

func (s *Sessions) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

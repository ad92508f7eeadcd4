package identity

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func testTokens(t testing.TB) *Tokens {
	tk, err := NewTokens(TokenConfig{HS256Secret: testSecret, Audience: "switchboard", Issuer: "site"})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// FuzzVerify: no input crashes the verifier, and none is accepted without
// the secret (the fuzzer cannot sign).
func FuzzVerify(f *testing.F) {
	good, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "1", "name": "ann", "aud": "switchboard", "iss": "site", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte("a different secret of 32 bytes!!"))
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.")
	f.Add("a.b.c")
	f.Add("")
	tk := testTokens(f)
	f.Fuzz(func(t *testing.T, token string) {
		if p, err := tk.Verify(token); err == nil {
			t.Fatalf("accepted %q as %+v", token, p)
		}
	})
}

func TestVerifyAcceptsAGoodToken(t *testing.T) {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "42", "name": " Ann ", "role": "moderator", "rooms": []string{"team-*"},
		"aud": "switchboard", "iss": "site", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	p, err := testTokens(t).Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Ann" || p.Role != "moderator" || len(p.Rooms) != 1 || p.UserID == "" {
		t.Fatalf("person = %+v", p)
	}
}

package identity

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
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

// Tokens signed with a site's private key verify with its public key
// (EdDSA and RS256), and only with the algorithm the key type pins.
func TestVerifyPublicKeyTokens(t *testing.T) {
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var pemKeys []byte
	for _, pub := range []any{edPub, &rsaPriv.PublicKey} {
		der, _ := x509.MarshalPKIXPublicKey(pub)
		pemKeys = append(pemKeys, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})...)
	}
	keys, err := ParsePublicKeys(pemKeys)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := NewTokens(TokenConfig{PublicKeys: keys, Audience: "switchboard", Issuer: "site"})
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{"sub": "7", "name": "Kay", "aud": "switchboard", "iss": "site", "exp": time.Now().Add(time.Hour).Unix()}
	for name, sign := range map[string]func() (string, error){
		"EdDSA": func() (string, error) { return jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims).SignedString(edPriv) },
		"RS256": func() (string, error) { return jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(rsaPriv) },
	} {
		tok, err := sign()
		if err != nil {
			t.Fatal(err)
		}
		if p, err := tk.Verify(tok); err != nil || p.Name != "Kay" {
			t.Errorf("%s token: %+v, %v", name, p, err)
		}
	}
	// RS512 with the same RSA key is not a pinned algorithm.
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodRS512, claims).SignedString(rsaPriv)
	if _, err := tk.Verify(tok); err == nil {
		t.Error("an RS512 token verified; only RS256 is allowed for RSA keys")
	}
	// HS256 signed with the RSA public key bytes (key confusion) is refused.
	der, _ := x509.MarshalPKIXPublicKey(&rsaPriv.PublicKey)
	tok, _ = jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(der)
	if _, err := tk.Verify(tok); err == nil {
		t.Error("an HS256 token keyed with the public key verified")
	}
}

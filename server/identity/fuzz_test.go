package identity

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// b64 is the JWT segment encoding.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// FuzzVerifyClaims reaches the checks Verify makes after the signature,
// which FuzzVerify cannot (the fuzzer cannot sign): it signs the fuzzed
// header and claims itself, with the HS256 secret or the Ed25519 key the
// verifier trusts. No input may crash Verify, and whatever it accepts must
// keep the documented rules: the pinned algorithm that signed it, exp
// present and not past (within the leeway), nbf not in the future, our aud
// and iss, a sub, a name that is already canonical, a known role, room
// patterns path.Match accepts, and a user id derived from (iss, sub).
func FuzzVerifyClaims(f *testing.F) {
	edPriv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	tk, err := NewTokens(TokenConfig{
		HS256Secret: testSecret,
		PublicKeys:  []crypto.PublicKey{edPriv.Public()},
		Audience:    "switchboard", Issuer: "site",
	})
	if err != nil {
		f.Fatal(err)
	}
	const leeway = 30 * time.Second // NewTokens' default
	// exp in 2100, so stored corpus entries stay valid.
	for _, c := range []string{
		`{"sub":"42","name":" Ann ","role":"moderator","rooms":["team-*"],"aud":"switchboard","iss":"site","exp":4102444800}`,
		`{"sub":"1","name":"bo","aud":["other","switchboard"],"iss":"site","exp":4102444800,"nbf":1,"iat":1}`,
		`{"sub":"1","name":"bo","role":"publisher","rooms":["a[","b"],"aud":"switchboard","iss":"site","exp":4102444800}`,
		`{"sub":"1","name":"bo","role":"root","aud":"switchboard","iss":"site","exp":4102444800}`,
		`{"sub":"1","name":"a\u0000b","aud":"switchboard","iss":"site","exp":4102444800}`,
		`{"sub":"","name":"bo","aud":"switchboard","iss":"site","exp":4102444800}`,
		`{"sub":"1","name":"bo","aud":"switchboard","iss":"site","exp":1}`,
		`{"sub":"1","name":"bo","aud":"switchboard","iss":"site","exp":4102444800.5,"SUB":"2","Name":"Cy"}`,
		`{"sub":"1","name":"bo","aud":"switchboard","iss":"site"}`,
		`{"sub":"1","name":"bo","aud":"switchboard","iss":"elsewhere","exp":4102444800}`,
		`{"sub":"1","name":"bo","aud":"switchboard","iss":"site","exp":1e300}`,
		`{}`, `null`, `[]`,
	} {
		f.Add([]byte(`{"alg":"HS256","typ":"JWT"}`), []byte(c), false)
		f.Add([]byte(`{"alg":"EdDSA","typ":"JWT"}`), []byte(c), true)
	}
	f.Add([]byte(`{"alg":"none"}`), []byte(`{"sub":"1"}`), false)
	f.Add([]byte(`{"alg":"HS256"}`), []byte(`{"sub":"1"}`), true)
	f.Fuzz(func(t *testing.T, header, claims []byte, ed bool) {
		signing := b64(header) + "." + b64(claims)
		alg := "HS256"
		var sig []byte
		if ed {
			alg, sig = "EdDSA", ed25519.Sign(edPriv, []byte(signing))
		} else {
			m := hmac.New(sha256.New, testSecret)
			m.Write([]byte(signing))
			sig = m.Sum(nil)
		}
		now := time.Now()
		p, err := tk.Verify(signing + "." + b64(sig))
		if err != nil {
			return
		}
		// Accepted: read header and claims the way jwt does (json.Unmarshal)
		// and check each rule on what Verify returned.
		var h map[string]any
		if err := json.Unmarshal(header, &h); err != nil || h["alg"] != alg {
			t.Fatalf("accepted header %s signed with %s (%v)", header, alg, err)
		}
		var c TokenClaims
		if err := json.Unmarshal(claims, &c); err != nil {
			t.Fatalf("accepted claims %s that do not decode: %v", claims, err)
		}
		switch {
		case c.ExpiresAt == nil || p.Expiry.IsZero():
			t.Fatalf("accepted claims %s without exp", claims)
		case !p.Expiry.Equal(c.ExpiresAt.Time):
			t.Fatalf("expiry %v, token says %v", p.Expiry, c.ExpiresAt.Time)
		case !p.Expiry.Add(leeway).After(now):
			t.Fatalf("accepted claims %s that expired at %v", claims, p.Expiry)
		case c.NotBefore != nil && c.NotBefore.After(time.Now().Add(leeway)):
			t.Fatalf("accepted claims %s before their nbf", claims)
		case c.Issuer != "site":
			t.Fatalf("accepted iss %q", c.Issuer)
		case !slices.Contains(c.Audience, "switchboard"):
			t.Fatalf("accepted aud %q", c.Audience)
		case c.Subject == "":
			t.Fatalf("accepted claims %s without sub", claims)
		}
		if n, perr := protocol.NormalizeName(p.Name); perr != nil || n != p.Name {
			t.Fatalf("accepted name %q (canonical %q, %v)", p.Name, n, perr)
		}
		switch p.Role {
		case "", protocol.RolePublisher, protocol.RoleModerator, protocol.RoleAdmin:
		default:
			t.Fatalf("accepted role %q", p.Role)
		}
		if !reflect.DeepEqual(p.Rooms, c.Rooms) {
			t.Fatalf("rooms %q, token says %q", p.Rooms, c.Rooms)
		}
		for _, pat := range p.Rooms {
			for _, room := range []string{"", "lobby", "team-1", "a", "[", "*"} {
				if _, err := path.Match(pat, room); err != nil {
					t.Fatalf("accepted room pattern %q: %v against %q", pat, err, room)
				}
			}
		}
		sum := sha256.Sum256([]byte(c.Issuer + "\x00" + c.Subject))
		if p.UserID != "j"+b64(sum[:15]) || protocol.ValidateID(p.UserID) != nil {
			t.Fatalf("user id %q for iss %q sub %q", p.UserID, c.Issuer, c.Subject)
		}
	})
}

// FuzzSessionVerify: no string crashes Sessions.Verify, and only tokens
// whose payload one of the keys signed verify: the seeds hold genuine
// tokens (current and rotated-out key) whose mutations the fuzzer tries,
// and the fuzzer cannot sign anything else. Then the token's payload is
// signed here with the current key, to reach the checks after the
// signature: a valid token has a user id and was issued within maxAge
// (and not more than a minute ahead).
func FuzzSessionVerify(f *testing.F) {
	now := time.Unix(1_700_000_000, 0)
	const maxAge = time.Hour
	sessions := func(keys ...[]byte) *Sessions {
		s, err := NewSessions(keys, maxAge)
		if err != nil {
			f.Fatal(err)
		}
		s.now = func() time.Time { return now }
		return s
	}
	oldKey, curKey, foreignKey := bytes.Repeat([]byte{1}, KeySize), bytes.Repeat([]byte{2}, KeySize), bytes.Repeat([]byte{3}, KeySize)
	s := sessions(oldKey, curKey)

	// signed maps each payload a key signed to its claims.
	signed := map[string]Claims{}
	genuine := func(signer *Sessions, c Claims) string {
		tok := signer.Sign(c)
		p, _, _ := strings.Cut(tok, ".")
		c.Issued = now.Unix()
		signed[p] = c
		return tok
	}
	cur := genuine(s, Claims{UserID: "uAAAAAAAAAAAA", Name: "Ann"})
	old := genuine(sessions(oldKey), Claims{UserID: "uBBBBBBBBBBBB", Name: "bo"})
	foreign := sessions(foreignKey).Sign(Claims{UserID: "uCCCCCCCCCCCC", Name: "cy"})
	for _, tok := range []string{cur, old} {
		if _, err := s.Verify(tok); err != nil {
			f.Fatalf("genuine token %q: %v", tok, err)
		}
	}
	p, sig, _ := strings.Cut(cur, ".")
	for _, tok := range []string{
		cur, old, foreign,
		cur + "x", cur[:len(cur)-1], p + ".", "." + sig, p + "." + sig + "." + sig,
		p[1:] + "." + sig, "e" + p + "." + sig, p + ".\n" + sig, p + "=." + sig,
		b64([]byte(`{"u":"x","n":"y","t":1700000000}`)) + "." + sig,
		b64([]byte(`{"u":"","t":1700000000}`)), b64([]byte(`{"u":"x","t":9223372036854775807}`)),
		b64([]byte(`{"u":"x","t":-9223372036854775808}`)), b64([]byte(`{"u":"x","t":1699990000}`)),
		"", ".", "..", "a.b",
	} {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := s.Verify(token)
		if err == nil {
			p, _, _ := strings.Cut(token, ".")
			want, ok := signed[p]
			if !ok {
				t.Fatalf("accepted %q, whose payload no key signed, as %+v", token, c)
			}
			if c != want {
				t.Fatalf("accepted %q as %+v; it was signed as %+v", token, c, want)
			}
		}

		// The same payload, signed with the current key.
		p, _, _ := strings.Cut(token, ".")
		c, err = s.Verify(p + "." + b64(mac(curKey, p)))
		if err != nil {
			return
		}
		age := now.Sub(time.Unix(c.Issued, 0))
		if c.UserID == "" || age > maxAge || age < -time.Minute {
			t.Fatalf("accepted payload %q as %+v (age %v)", p, c, age)
		}
		payload, err := base64.RawURLEncoding.DecodeString(p)
		var want Claims
		if err != nil || json.Unmarshal(payload, &want) != nil || want != c {
			t.Fatalf("accepted payload %q as %+v; it decodes as %+v (%v)", p, c, want, err)
		}
	})
}

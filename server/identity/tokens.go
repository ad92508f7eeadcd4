package identity

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// TokenConfig says which JWTs a site may vouch for its users with.
type TokenConfig struct {
	// HS256Secret verifies HS256 tokens (a secret shared with the site).
	HS256Secret []byte
	// PublicKeys verify EdDSA (Ed25519) and RS256 tokens.
	PublicKeys []crypto.PublicKey
	// Audience and Issuer must match the token's aud and iss. Required.
	Audience, Issuer string
	// Leeway tolerates clock skew on exp. Default 30 s.
	Leeway time.Duration
}

// TokenClaims are what a site's JWT says of a person: the standard claims
// (sub, exp, aud, iss required) and ours.
type TokenClaims struct {
	jwt.RegisteredClaims
	// Name is the display name.
	Name string `json:"name"`
	// Role is member (default), publisher, moderator or admin.
	Role string `json:"role,omitempty"`
	// Rooms are the rooms the person may enter, as patterns ("team-*");
	// none means every public room.
	Rooms []string `json:"rooms,omitempty"`
}

// Person is a verified token's person.
type Person struct {
	// UserID is derived from (iss, sub), so it never collides with an
	// anonymous id or another site's users, and is safe in every id field.
	UserID string
	Name   string
	Role   string
	Rooms  []string
	Expiry time.Time
}

// Tokens verifies JWTs. Safe for concurrent use.
type Tokens struct {
	cfg     TokenConfig
	methods []string
	keys    jwt.VerificationKeySet
}

// NewTokens returns a verifier for cfg, or nil if cfg has no keys (tokens
// are then refused).
func NewTokens(cfg TokenConfig) (*Tokens, error) {
	if len(cfg.HS256Secret) == 0 && len(cfg.PublicKeys) == 0 {
		return nil, nil
	}
	if cfg.Audience == "" || cfg.Issuer == "" {
		return nil, errors.New("identity: JWTs need an audience and an issuer")
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	t := &Tokens{cfg: cfg}
	if len(cfg.HS256Secret) > 0 {
		if len(cfg.HS256Secret) < 32 {
			return nil, errors.New("identity: an HS256 secret needs at least 32 bytes")
		}
		t.methods = append(t.methods, "HS256")
		t.keys.Keys = append(t.keys.Keys, cfg.HS256Secret)
	}
	for _, k := range cfg.PublicKeys {
		switch k.(type) {
		case ed25519.PublicKey:
			t.methods = append(t.methods, "EdDSA")
		case *rsa.PublicKey:
			t.methods = append(t.methods, "RS256")
		default:
			return nil, fmt.Errorf("identity: unsupported public key %T (Ed25519 or RSA)", k)
		}
		t.keys.Keys = append(t.keys.Keys, k)
	}
	return t, nil
}

// ParsePublicKeys reads PEM public keys (PKIX: Ed25519 or RSA).
func ParsePublicKeys(data []byte) ([]crypto.PublicKey, error) {
	var keys []crypto.PublicKey
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("identity: public key: %w", err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("identity: no PEM public key found")
	}
	return keys, nil
}

// Verify checks a token: signature with a pinned algorithm (never "none"),
// exp present and in the future, aud and iss ours, sub and name present.
func (t *Tokens) Verify(token string) (Person, error) {
	if t == nil {
		return Person{}, errors.New("this server accepts no tokens")
	}
	var c TokenClaims
	_, err := jwt.ParseWithClaims(token, &c,
		func(*jwt.Token) (any, error) { return t.keys, nil },
		jwt.WithValidMethods(t.methods),
		jwt.WithAudience(t.cfg.Audience),
		jwt.WithIssuer(t.cfg.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(t.cfg.Leeway),
	)
	if err != nil {
		return Person{}, err
	}
	if c.Subject == "" {
		return Person{}, errors.New("token has no sub")
	}
	name, perr := protocol.NormalizeName(c.Name)
	if perr != nil {
		return Person{}, fmt.Errorf("token name: %w", perr)
	}
	switch c.Role {
	case "", protocol.RoleMember:
		c.Role = ""
	case protocol.RoleModerator, protocol.RoleAdmin, protocol.RolePublisher:
	default:
		return Person{}, fmt.Errorf("token role %q is not member, publisher, moderator or admin", c.Role)
	}
	for _, p := range c.Rooms {
		if _, err := path.Match(p, ""); err != nil {
			return Person{}, fmt.Errorf("token room pattern %q: %w", p, err)
		}
	}
	sum := sha256.Sum256([]byte(c.Issuer + "\x00" + c.Subject))
	return Person{
		UserID: "j" + base64.RawURLEncoding.EncodeToString(sum[:15]),
		Name:   name, Role: c.Role, Rooms: c.Rooms, Expiry: c.ExpiresAt.Time,
	}, nil
}

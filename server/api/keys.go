package api

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"path"
	"strings"
)

// MinSecretLen is the shortest API key secret accepted (e.g. `openssl rand
// -hex 24` makes 48 characters).
const MinSecretLen = 24

// Key is one API key: a name (for logs and as part of its senders' ids),
// the secret clients present, and the rooms it reaches.
type Key struct {
	// Name identifies the key in logs; never the secret.
	Name string
	// Secret is what a request presents (Authorization: Bearer <secret>).
	Secret string
	// Rooms are patterns (path.Match, e.g. "alerts-*") of the rooms the key
	// may reach; "*" is every room.
	Rooms []string
}

// allows reports whether k may reach room.
func (k *Key) allows(room string) bool {
	for _, p := range k.Rooms {
		if ok, _ := path.Match(p, room); ok {
			return true
		}
	}
	return false
}

// ParseKeys reads a keys file: one key per line, `name secret patterns`,
// the patterns comma-separated; blank lines and lines starting with # are
// skipped. Names are letters, digits, - and _; secrets at least
// MinSecretLen characters without spaces; names and secrets unique. Errors
// name the line, never the secret.
func ParseKeys(r io.Reader) ([]Key, error) {
	var keys []Key
	names, secrets := map[string]bool{}, map[string]bool{}
	s := bufio.NewScanner(r)
	for line := 1; s.Scan(); line++ {
		text := strings.TrimSpace(s.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want `name secret room-patterns`", line)
		}
		k := Key{Name: f[0], Secret: f[1]}
		if !validName(k.Name) {
			return nil, fmt.Errorf("line %d: key names are letters, digits, - and _", line)
		}
		if len(k.Secret) < MinSecretLen {
			return nil, fmt.Errorf("line %d (key %s): the secret is shorter than %d characters", line, k.Name, MinSecretLen)
		}
		if names[k.Name] || secrets[k.Secret] {
			return nil, fmt.Errorf("line %d (key %s): the name or the secret is used twice", line, k.Name)
		}
		names[k.Name], secrets[k.Secret] = true, true
		for _, p := range strings.Split(f[2], ",") {
			if p == "" {
				continue
			}
			if _, err := path.Match(p, ""); err != nil {
				return nil, fmt.Errorf("line %d (key %s): room pattern %q: %v", line, k.Name, p, err)
			}
			k.Rooms = append(k.Rooms, p)
		}
		if len(k.Rooms) == 0 {
			return nil, fmt.Errorf("line %d (key %s): no room patterns", line, k.Name)
		}
		keys = append(keys, k)
	}
	return keys, s.Err()
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// keyring finds the key a request presents, in constant time: it compares
// SHA-256 digests (equal length whatever was presented) with every key,
// without stopping at a match.
type keyring struct {
	keys []Key
	sums [][sha256.Size]byte
}

func newKeyring(keys []Key) keyring {
	kr := keyring{keys: keys}
	for _, k := range keys {
		kr.sums = append(kr.sums, sha256.Sum256([]byte(k.Secret)))
	}
	return kr
}

// find returns the key whose secret is secret, or nil.
func (kr keyring) find(secret string) *Key {
	sum := sha256.Sum256([]byte(secret))
	found := -1
	for i := range kr.sums {
		if subtle.ConstantTimeCompare(sum[:], kr.sums[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil
	}
	return &kr.keys[found]
}

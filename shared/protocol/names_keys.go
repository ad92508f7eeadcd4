//go:build !js

package protocol

import (
	"strings"

	"go.mau.fi/util/confusable"
	"golang.org/x/text/secure/precis"
)

// KeysOf returns the keys of name.
func KeysOf(name string) NameKeys {
	return NameKeys{
		fold(confusable.Skeleton(fold(name))),
		fold(confusable.Skeleton(name)),
	}
}

// fold is PRECIS Nickname's comparison form, or a plain lower-casing of
// what PRECIS refuses (a skeleton can hold such characters).
func fold(s string) string {
	if k, err := precis.Nickname.CompareKey(s); err == nil {
		return k
	}
	return strings.ToLower(s)
}

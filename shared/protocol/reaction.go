package protocol

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidateReaction checks that s is one reaction: an emoji of at most
// MaxReactionBytes bytes (with its skin tone, variation selectors, joiners,
// keycap or tag characters), never letters, digits, spaces or markup.
func ValidateReaction(s string) *Error {
	switch {
	case s == "":
		return Errorf(CodeBadRequest, "a reaction needs an emoji")
	case len(s) > MaxReactionBytes:
		return Errorf(CodeBadRequest, "a reaction is one emoji of at most %d bytes", MaxReactionBytes)
	case !utf8.ValidString(s):
		return Errorf(CodeBadRequest, "a reaction must be valid UTF-8")
	}
	keycap := strings.ContainsRune(s, '\u20e3')
	// An emoji is one base symbol, or several joined by zero-width
	// joiners (a family), or two regional indicators (a flag).
	bases, flags := 0, 0
	var prev rune
	for _, r := range s {
		switch {
		case r >= 0x1f1e6 && r <= 0x1f1ff: // regional indicators
			flags++
			if flags%2 == 1 {
				bases++
			}
		case unicode.Is(unicode.So, r), keycap && (r == '#' || r == '*' || ('0' <= r && r <= '9')):
			if prev != '\u200d' {
				bases++
			}
		case unicode.In(r, unicode.Sk, unicode.Mn, unicode.Me) && r >= 0x80,
			r == '\u200d',                // zero-width joiner
			r >= 0xe0020 && r <= 0xe007f: // tags (subdivision flags)
		default:
			return Errorf(CodeBadRequest, "a reaction is one emoji, not %q", s)
		}
		prev = r
	}
	if bases != 1 || flags > 2 {
		return Errorf(CodeBadRequest, "a reaction is one emoji, not %q", s)
	}
	return nil
}

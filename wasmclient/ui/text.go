package ui

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// segmentKind says how a piece of a message's text is shown.
type segmentKind int

const (
	segText      segmentKind = iota // plain text
	segLink                         // an http(s) URL, shown as a link
	segMention                      // @name of someone in the room
	segMentionMe                    // @name of the person reading
)

// segment is a piece of a message's text. Every piece is rendered as a text
// node (inside an anchor or a mark for links and mentions): nothing a person
// types is ever HTML.
type segment struct {
	kind segmentKind
	text string
}

// urlPattern matches http and https URLs only: no other scheme (javascript:,
// data:, …) ever becomes a link.
var urlPattern = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"'` + "`" + `]+`)

// trimURL drops the punctuation a URL is usually followed by in a sentence
// (a full stop, a closing bracket with no opening one in the URL).
func trimURL(u string) string {
	for u != "" {
		r, n := utf8.DecodeLastRuneInString(u)
		switch {
		case strings.ContainsRune(".,;:!?*", r):
		case r == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
		case r == ']' && strings.Count(u, "[") < strings.Count(u, "]"):
		default:
			return u
		}
		u = u[:len(u)-n]
	}
	return u
}

// segments splits text into plain text, links and mentions. names are the
// nicknames that can be mentioned (the room's members); me is the reader's.
// A mention is "@" followed by one of the names, case-insensitive, not
// followed by a letter or digit.
func segments(text string, names []string, me string) []segment {
	var out []segment
	rest := 0
	for _, loc := range urlPattern.FindAllStringIndex(text, -1) {
		u := trimURL(text[loc[0]:loc[1]])
		if len(u) <= len("https://") || !strings.Contains(u, "://") {
			continue
		}
		out = appendMentions(out, text[rest:loc[0]], names, me)
		out = append(out, segment{kind: segLink, text: u})
		rest = loc[0] + len(u)
	}
	return appendMentions(out, text[rest:], names, me)
}

// appendMentions appends text to out, split into plain text and mentions.
func appendMentions(out []segment, text string, names []string, me string) []segment {
	if text == "" {
		return out
	}
	// Longest names first, so "@ann lee" wins over "@ann".
	sorted := slices.Clone(names)
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	meKey := protocol.NameKey(me)
	start := 0
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || !mentionStart(text, i) {
			continue
		}
		for _, name := range sorted {
			end := i + 1 + len(name)
			if name == "" || end > len(text) || !strings.EqualFold(text[i+1:end], name) || !mentionEnd(text, end) {
				continue
			}
			if start < i {
				out = append(out, segment{kind: segText, text: text[start:i]})
			}
			kind := segMention
			if me != "" && protocol.NameKey(name) == meKey {
				kind = segMentionMe
			}
			out = append(out, segment{kind: kind, text: text[i:end]})
			start = end
			i = end - 1
			break
		}
	}
	if start < len(text) {
		out = append(out, segment{kind: segText, text: text[start:]})
	}
	return out
}

// mentionStart reports whether the "@" at i starts a word (not an e-mail address).
func mentionStart(text string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// mentionEnd reports whether a name ending at end is a whole word.
func mentionEnd(text string, end int) bool {
	if end == len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[end:])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-'
}

// mentions reports whether text mentions the nickname me.
func mentions(text, me string) bool {
	if me == "" {
		return false
	}
	for _, s := range segments(text, []string{me}, me) {
		if s.kind == segMentionMe {
			return true
		}
	}
	return false
}

// Package markup parses the Markdown subset of Switchboard messages, for
// the browser app and the server's prerender alike: **bold**, _italic_ (or
// *italic*), ~~strike~~, `inline code`, fenced code blocks (``` lines) and
// > quotes. It never produces HTML: the result is blocks of styled text
// runs, which the app renders as elements holding text nodes, so nothing
// a person types is ever markup of the page. Anything that is not part of
// the subset (an unmatched marker, raw HTML) stays as typed. Links and
// mentions are found by the app in the runs' text.
package markup

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// BlockKind is what a block is.
type BlockKind uint8

// Block kinds.
const (
	Para  BlockKind = iota // lines of text
	Quote                  // lines that began with ">"
	Code                   // the lines of a fenced code block, as typed
)

// Block is one block of a message: its runs (Para, Quote) or its text
// (Code).
type Block struct {
	Kind BlockKind
	Runs []Run
	Text string
}

// Style is a run's styling: a set of these bits.
type Style uint8

// Styles.
const (
	Bold Style = 1 << iota
	Italic
	Strike
	Mono // inline code: no other styling, no links
)

// Run is text with one styling.
type Run struct {
	Style Style
	Text  string
}

// Plain reports whether blocks are one paragraph of unstyled text (the
// message reads as typed).
func Plain(blocks []Block) bool {
	return len(blocks) == 1 && blocks[0].Kind == Para && len(blocks[0].Runs) == 1 && blocks[0].Runs[0].Style == 0
}

// Parse splits text into blocks and their runs.
func Parse(text string) []Block {
	var blocks []Block
	var para, quote []string
	flush := func() {
		if len(para) > 0 {
			blocks = append(blocks, Block{Kind: Para, Runs: Inline(strings.Join(para, "\n"))})
			para = nil
		}
		if len(quote) > 0 {
			blocks = append(blocks, Block{Kind: Quote, Runs: Inline(strings.Join(quote, "\n"))})
			quote = nil
		}
	}
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "```"):
			flush()
			var code []string
			j := i + 1
			for ; j < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[j]), "```"); j++ {
				code = append(code, lines[j])
			}
			blocks = append(blocks, Block{Kind: Code, Text: strings.Join(code, "\n")})
			i = j // the closing fence (or the end)
		case strings.HasPrefix(line, ">"):
			if len(para) > 0 {
				flush()
			}
			quote = append(quote, strings.TrimPrefix(strings.TrimPrefix(line, ">"), " "))
		default:
			if len(quote) > 0 {
				flush()
			}
			para = append(para, line)
		}
	}
	flush()
	if len(blocks) == 0 {
		blocks = []Block{{Kind: Para, Runs: []Run{{Text: ""}}}}
	}
	return blocks
}

// marker is an emphasis delimiter and the style it toggles.
type marker struct {
	text  string
	style Style
}

// markers, longest first so "**" is not read as two "*".
var markers = []marker{{"**", Bold}, {"~~", Strike}, {"_", Italic}, {"*", Italic}}

// Inline splits text into styled runs: `code` first (nothing inside it is
// styled), then markers that open (followed by a non-space, and for "_"
// not inside a word) and have a matching closer later (preceded by a
// non-space) toggle their style. Unmatched markers stay as text.
func Inline(text string) []Run {
	var runs []Run
	var style Style
	var b strings.Builder
	emit := func() {
		if b.Len() == 0 {
			return
		}
		if n := len(runs); n > 0 && runs[n-1].Style == style {
			runs[n-1].Text += b.String()
		} else {
			runs = append(runs, Run{Style: style, Text: b.String()})
		}
		b.Reset()
	}
	for i := 0; i < len(text); {
		if text[i] == '`' {
			if end := strings.IndexByte(text[i+1:], '`'); end > 0 {
				emit()
				runs = append(runs, Run{Style: Mono, Text: text[i+1 : i+1+end]})
				i += end + 2
				continue
			}
		}
		if m, ok := markerAt(text, i); ok {
			switch {
			case style&m.style != 0 && canClose(text, i, m):
				emit()
				style &^= m.style
				i += len(m.text)
				continue
			case style&m.style == 0 && canOpen(text, i, m) && closes(text, i+len(m.text), m):
				emit()
				style |= m.style
				i += len(m.text)
				continue
			}
		}
		_, n := utf8.DecodeRuneInString(text[i:])
		b.WriteString(text[i : i+n])
		i += n
	}
	emit()
	if len(runs) == 0 {
		runs = []Run{{Text: ""}}
	}
	return runs
}

// markerAt returns the marker at text[i:], if any.
func markerAt(text string, i int) (marker, bool) {
	for _, m := range markers {
		if strings.HasPrefix(text[i:], m.text) {
			return m, true
		}
	}
	return marker{}, false
}

// canOpen: the marker at i is followed by a non-space (and "_" does not
// start inside a word: snake_case stays as typed).
func canOpen(text string, i int, m marker) bool {
	next, _ := utf8.DecodeRuneInString(text[i+len(m.text):])
	if i+len(m.text) >= len(text) || unicode.IsSpace(next) {
		return false
	}
	if m.text == "_" && i > 0 {
		prev, _ := utf8.DecodeLastRuneInString(text[:i])
		return !isWord(prev)
	}
	return true
}

// canClose: the marker at i follows a non-space (and "_" does not end
// inside a word).
func canClose(text string, i int, m marker) bool {
	if i == 0 {
		return false
	}
	prev, _ := utf8.DecodeLastRuneInString(text[:i])
	if unicode.IsSpace(prev) {
		return false
	}
	if m.text == "_" && i+1 < len(text) {
		next, _ := utf8.DecodeRuneInString(text[i+1:])
		return !isWord(next)
	}
	return true
}

// closes reports whether a closer of m follows from..., before any code
// span starts.
func closes(text string, from int, m marker) bool {
	for j := from; j < len(text); {
		if text[j] == '`' {
			return false
		}
		if n, ok := markerAt(text, j); ok && n.text == m.text && canClose(text, j, m) && j > from {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[j:])
		j += size
	}
	return false
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

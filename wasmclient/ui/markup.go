package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/markup"
)

// renderText shows a message's text: plain text as it always was (one
// paragraph, line breaks kept), or with the Markdown subset of package
// markup, as paragraphs, quotes, code blocks and styled runs. Every
// element holds text nodes only; links and mentions are found in the
// runs' text (not in code). edited adds the "(edited)" mark at the end.
func renderText(text string, names []string, me string, edited bool) app.UI {
	blocks := markup.Parse(text)
	if markup.Plain(blocks) {
		parts := renderSegments(text, names, me)
		if edited {
			parts = append(parts, editedMark())
		}
		return app.P().Class("sb-msg-text").Body(parts...)
	}
	out := make([]app.UI, 0, len(blocks))
	for i, b := range blocks {
		var inner []app.UI
		if b.Kind != markup.Code {
			inner = renderRuns(b.Runs, names, me)
		}
		if edited && i == len(blocks)-1 && b.Kind != markup.Code {
			inner = append(inner, editedMark())
		}
		switch b.Kind {
		case markup.Code:
			out = append(out, app.Pre().Class("sb-code").Body(app.Code().Text(b.Text)))
		case markup.Quote:
			out = append(out, app.Blockquote().Class("sb-quote").Body(inner...))
		default:
			out = append(out, app.P().Class("sb-para").Body(inner...))
		}
	}
	if edited && blocks[len(blocks)-1].Kind == markup.Code {
		out = append(out, app.P().Class("sb-para").Body(editedMark()))
	}
	return app.Div().Class("sb-msg-text sb-rich").Body(out...)
}

// renderRuns shows styled runs: code as code, the rest with their links
// and mentions inside bold, italic and strike-through elements.
func renderRuns(runs []markup.Run, names []string, me string) []app.UI {
	out := make([]app.UI, 0, len(runs))
	for _, r := range runs {
		if r.Style&markup.Mono != 0 {
			out = append(out, app.Code().Class("sb-code-inline").Text(r.Text))
			continue
		}
		parts := renderSegments(r.Text, names, me)
		var el app.UI
		switch {
		case r.Style == 0:
			out = append(out, parts...)
			continue
		case r.Style&markup.Bold != 0:
			el = app.Strong().Body(styled(r.Style&^markup.Bold, parts)...)
		case r.Style&markup.Italic != 0:
			el = app.Em().Body(styled(r.Style&^markup.Italic, parts)...)
		default:
			el = app.Del().Body(parts...)
		}
		out = append(out, el)
	}
	return out
}

// styled wraps parts in the elements of the styles left (italic, then
// strike-through), innermost last.
func styled(st markup.Style, parts []app.UI) []app.UI {
	if st&markup.Italic != 0 {
		parts = []app.UI{app.Em().Body(styled(st&^markup.Italic, parts)...)}
	} else if st&markup.Strike != 0 {
		parts = []app.UI{app.Del().Body(parts...)}
	}
	return parts
}

// renderSegments shows text with its links and mentions.
func renderSegments(text string, names []string, me string) []app.UI {
	segs := segments(text, names, me)
	parts := make([]app.UI, 0, len(segs)+1)
	for _, s := range segs {
		parts = append(parts, renderSegment(s))
	}
	return parts
}

func editedMark() app.UI { return app.Span().Class("sb-edited").Text(" (edited)") }

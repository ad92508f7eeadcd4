package markup

import (
	"reflect"
	"testing"
)

func TestInline(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []Run
	}{
		{"plain words", []Run{{0, "plain words"}}},
		{"a **bold** word", []Run{{0, "a "}, {Bold, "bold"}, {0, " word"}}},
		{"_it_ and *it*", []Run{{Italic, "it"}, {0, " and "}, {Italic, "it"}}},
		{"~~gone~~", []Run{{Strike, "gone"}}},
		{"**_both_**", []Run{{Bold | Italic, "both"}}},
		{"run `go test ./...` now", []Run{{0, "run "}, {Mono, "go test ./..."}, {0, " now"}}},
		{"`**not bold**`", []Run{{Mono, "**not bold**"}}},
		{"snake_case_name stays", []Run{{0, "snake_case_name stays"}}},
		{"2 * 3 * 4", []Run{{0, "2 * 3 * 4"}}},
		{"**unclosed", []Run{{0, "**unclosed"}}},
		{"a ** b ** c", []Run{{0, "a ** b ** c"}}},
		{"<b>html</b> stays", []Run{{0, "<b>html</b> stays"}}},
		{"", []Run{{0, ""}}},
		{"**ünïcode**", []Run{{Bold, "ünïcode"}}},
	} {
		if got := Inline(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Inline(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseBlocks(t *testing.T) {
	text := "look:\n> quoted **line**\n> second\nafter\n```go\nfmt.Println(\"**x**\")\n\n  indented\n```\nend"
	got := Parse(text)
	want := []Block{
		{Kind: Para, Runs: []Run{{0, "look:"}}},
		{Kind: Quote, Runs: []Run{{0, "quoted "}, {Bold, "line"}, {0, "\nsecond"}}},
		{Kind: Para, Runs: []Run{{0, "after"}}},
		{Kind: Code, Text: "fmt.Println(\"**x**\")\n\n  indented"},
		{Kind: Para, Runs: []Run{{0, "end"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse:\n got %+v\nwant %+v", got, want)
	}
	if !Plain(Parse("just text\non two lines")) || Plain(Parse("a **b**")) || Plain(Parse("> q")) {
		t.Error("Plain")
	}
	// An unclosed fence runs to the end.
	if b := Parse("```\ncode"); len(b) != 1 || b[0].Kind != Code || b[0].Text != "code" {
		t.Errorf("unclosed fence: %+v", b)
	}
}

// Parsing never fails or loses text: every byte outside markers comes back.
func FuzzInline(f *testing.F) {
	for _, s := range []string{"a **b** _c_ `d` ~~e~~", "***", "_*_*", "`", "** **"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := 0
		for _, r := range Inline(s) {
			n += len(r.Text)
		}
		if n > len(s) {
			t.Fatalf("%q: runs hold %d bytes, more than the %d typed", s, n, len(s))
		}
	})
}

package ui

import (
	"reflect"
	"testing"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	names := []string{"ann", "Ann Lee", "bob"}
	T := func(s string) segment { return segment{segText, s} }
	L := func(s string) segment { return segment{segLink, s} }
	M := func(s string) segment { return segment{segMention, s} }
	Me := func(s string) segment { return segment{segMentionMe, s} }
	tests := []struct {
		in   string
		want []segment
	}{
		{"plain", []segment{T("plain")}},
		{"<img src=x onerror=alert(1)>", []segment{T("<img src=x onerror=alert(1)>")}},
		{"see https://example.com/a?b=1.", []segment{T("see "), L("https://example.com/a?b=1"), T(".")}},
		{"(http://x.org/wiki/Go_(lang))", []segment{T("("), L("http://x.org/wiki/Go_(lang)"), T(")")}},
		{"HTTPS://EXAMPLE.COM ok", []segment{L("HTTPS://EXAMPLE.COM"), T(" ok")}},
		{"javascript:alert(1)", []segment{T("javascript:alert(1)")}},
		{"ftp://x.org data:text/html,hi", []segment{T("ftp://x.org data:text/html,hi")}},
		{`https://a.b/"onmouseover=x`, []segment{L("https://a.b/"), T(`"onmouseover=x`)}},
		{"http://", []segment{T("http://")}},
		{"hi @bob!", []segment{T("hi "), M("@bob"), T("!")}},
		{"@BOB and @ann", []segment{M("@BOB"), T(" and "), Me("@ann")}},
		{"@ann lee: hi", []segment{M("@ann lee"), T(": hi")}},
		{"@ann, hi", []segment{Me("@ann"), T(", hi")}},
		{"@Ann Lee: hi", []segment{M("@Ann Lee"), T(": hi")}},
		{"@annie and mail@bob.com", []segment{T("@annie and mail@bob.com")}},
		{"@carol", []segment{T("@carol")}},
		{"https://x.org/@bob @bob", []segment{L("https://x.org/@bob"), T(" "), M("@bob")}},
	}
	for _, tt := range tests {
		// "Ann Lee" and "ann" are different people; the reader is "ann".
		got := segments(tt.in, names, "ann")
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("segments(%q) =\n  %v\nwant\n  %v", tt.in, got, tt.want)
		}
	}
}

func TestMentions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text, me string
		want     bool
	}{
		{"hi @Ada", "ada", true},
		{"hi @adam", "ada", false},
		{"hi ada", "ada", false},
		{"@ada", "", false},
		{"mail ada@ada.org", "ada", false},
	}
	for _, tt := range tests {
		if got := mentions(tt.text, tt.me); got != tt.want {
			t.Errorf("mentions(%q, %q) = %v, want %v", tt.text, tt.me, got, tt.want)
		}
	}
}

package ui

import (
	"net/url"
	"regexp"
	"testing"
)

func TestEmbedMessages(t *testing.T) {
	t.Parallel()
	m, ok := decodeEmbed(encodeEmbed(embedMsg{Type: embedConfig, Token: "t", Open: true}))
	if !ok || m.Type != embedConfig || m.Token != "t" || !m.Open {
		t.Errorf("round trip: %+v %v", m, ok)
	}
	for _, s := range []string{
		`{"type":"config"}`,                       // no prefix
		"other:prefix:" + `{"type":"config"}`,     // another script's messages
		EmbedMessagePrefix + `{"type":"config"`,   // malformed
		EmbedMessagePrefix + `{"type":"ready"}`,   // the page's own type, not the loader's
		EmbedMessagePrefix + `{"type":"unknown"}`, // unknown
		EmbedMessagePrefix + `"config"`,
	} {
		if m, ok := decodeEmbed(s); ok {
			t.Errorf("decodeEmbed(%q) = %+v, want refused", s, m)
		}
	}
}

func TestEmbedOptions(t *testing.T) {
	t.Parallel()
	const allowed = "https://shop.example.com,http://localhost:5555"
	for _, tc := range []struct {
		query          string
		origin, accent string
	}{
		{"origin=https%3A%2F%2Fshop.example.com&accent=%230f766e", "https://shop.example.com", "#0f766e"},
		{"origin=http%3A%2F%2Flocalhost%3A5555", "http://localhost:5555", ""},
		{"origin=https%3A%2F%2Fevil.example", "", ""},
		{"origin=https%3A%2F%2Fshop.example.com.evil.example", "", ""},
		{"origin=*", "", ""},
		{"accent=red", "", ""},
		{"accent=%23abc", "", "#abc"},
		{"accent=%23abcd1234", "", "#abcd1234"},
		{"accent=%23abcde", "", ""},
		{"accent=%23000%3Bbackground%3Aurl(x)", "", ""},
	} {
		q, _ := url.ParseQuery(tc.query)
		got := parseEmbedOptions(q, allowed)
		if got.Origin != tc.origin || got.Accent != tc.accent {
			t.Errorf("%s: %+v, want origin %q accent %q", tc.query, got, tc.origin, tc.accent)
		}
	}
	if got := parseEmbedOptions(url.Values{"origin": {"https://shop.example.com"}}, ""); got.Origin != "" {
		t.Errorf("with no embed origins the parent is trusted: %+v", got)
	}
}

func TestEmbedRoute(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(embedPattern)
	for path, want := range map[string]bool{"/embed/support": true, "/embed/a-b_C9": true, "/embed/": false, "/embed/a/b": false, "/r/support": false} {
		if re.MatchString(path) != want {
			t.Errorf("%q matches the embed route = %v, want %v", path, !want, want)
		}
	}
	for path, want := range map[string]string{"/embed/support": "support", "/embed/": "", "/embed/a b": ""} {
		if got := roomFromPath(path); got != want {
			t.Errorf("roomFromPath(%q) = %q, want %q", path, got, want)
		}
	}
	if c, ok := newEmbedPage().(*roomPage); !ok || !c.embedded {
		t.Errorf("the embed route does not make an embedded room page")
	}
}

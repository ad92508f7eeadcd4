package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// The stand-in website includes the widget of the server it is given,
// escaped, and refuses a server URL or room it cannot use.
func TestEmbedDemo(t *testing.T) {
	page, err := embedDemoPage("http://127.0.0.1:8080/chat/", "support")
	if err != nil {
		t.Fatal(err)
	}
	if want := `<script src="http://127.0.0.1:8080/chat/embed.js" data-room="support"`; !strings.Contains(string(page), want) {
		t.Fatalf("page does not include %s:\n%s", want, page)
	}
	for _, args := range [][]string{
		{"--server", "ftp://example.com"},
		{"--server", "127.0.0.1:8080"},
		{"--room", "no spaces"},
	} {
		if err := embedDemo(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("embed-demo %v: no error", args)
		}
	}
}

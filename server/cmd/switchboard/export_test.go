package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `switchboard export` writes the static site for the server it is given
// (the flag or SWITCHBOARD_SERVER), and refuses what is not a WebSocket URL.
func TestExportCommand(t *testing.T) {
	t.Parallel()
	webDir := t.TempDir()
	for name, data := range map[string]string{"app.wasm": "\x00asm\x01\x00\x00\x00", "app.wasm.br": "x", "app.css": "body{}", "icon.svg": "<svg/>"} {
		if err := os.WriteFile(filepath.Join(webDir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "site")
	env := map[string]string{"SWITCHBOARD_SERVER": "wss://chat.example.com"}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"export", "--out", out, "--web-dir", webDir, "--base-path", "/chat"},
		func(k string) string { return env[k] }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("export: %v (%s)", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "wss://chat.example.com/ws") || !strings.Contains(stdout.String(), "--allowed-origins") {
		t.Errorf("output does not say what the site talks to and what to allow: %q", stdout.String())
	}
	for _, f := range []string{"index.html", "404.html", "app.js", "wasm_exec.js", "app-worker.js", "manifest.webmanifest", "web/app.wasm", "web/app.css", "web/icon.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "web", "app.wasm.br")); err == nil {
		t.Errorf("the compressed copies are not for static hosts")
	}
	js, _ := os.ReadFile(filepath.Join(out, "app.js"))
	for _, want := range []string{`"SBAPP_SERVER_URL":"wss://chat.example.com/ws"`, `"GOAPP_ROOT_PREFIX":"/chat/"`, `"/chat/web/app.wasm"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("app.js lacks %s", want)
		}
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !strings.Contains(string(index), `href="/chat/web/app.css"`) {
		t.Errorf("index.html does not load the styles under the base path")
	}

	for _, args := range [][]string{
		{"export", "--out", out, "--web-dir", webDir},                                         // no server
		{"export", "--server", "wss://chat.example.com", "--web-dir", webDir},                 // no out
		{"export", "--out", out, "--web-dir", webDir, "--server", "https://chat.example.com"}, // not a WebSocket URL
		{"export", "--out", out, "--web-dir", webDir, "--server", "wss://chat.example.com/ws?x=1"},
		{"export", "--out", out, "--web-dir", t.TempDir(), "--server", "wss://chat.example.com"}, // no app.wasm
	} {
		if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

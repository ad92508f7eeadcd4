package web

import "testing"

func TestPrefixResolver(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ base, in, want string }{
		{"", "/", "/"},
		{"", "/web/app.css", "/web/app.css"},
		{"/chat", "/", "/chat/"},
		{"/chat", "", "/chat/"},
		{"/chat", "/web/app.css", "/chat/web/app.css"},
		{"/chat", "web/app.css", "/chat/web/app.css"},
		{"/chat", "/app.js", "/chat/app.js"},
		{"/chat", "/r/lobby", "/chat/r/lobby"},
		{"/chat", "https://cdn.example.com/x.css", "https://cdn.example.com/x.css"},
		{"/chat", "mailto:a@example.com", "mailto:a@example.com"},
	} {
		if got := prefixResolver(tc.base).Resolve(tc.in); got != tc.want {
			t.Errorf("%q: Resolve(%q) = %q, want %q", tc.base, tc.in, got, tc.want)
		}
	}
	for in, want := range map[string]string{"": "", "/": "", "chat": "/chat", "/chat/": "/chat", "//a/b//": "/a/b"} {
		if got := CleanBasePath(in); got != want {
			t.Errorf("CleanBasePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestServerURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"wss://chat.example.com":      "wss://chat.example.com/ws",
		"wss://chat.example.com/":     "wss://chat.example.com/ws",
		"ws://127.0.0.1:8080/chat/ws": "ws://127.0.0.1:8080/chat/ws",
		"https://chat.example.com":    "",
		"wss://":                      "",
		"wss://u:p@chat.example.com":  "",
		"wss://chat.example.com/ws#x": "",
		"chat.example.com":            "",
	} {
		got, err := ServerURL(in)
		if want == "" {
			if err == nil {
				t.Errorf("ServerURL(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ServerURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

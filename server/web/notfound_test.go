package web

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// An address with no page gets the app's not-found page with status 404:
// a way home, and for a room name that breaks the rules, the rules. A
// missing file keeps a plain 404; pages that exist are untouched.
func TestNotFoundPage(t *testing.T) {
	t.Parallel()
	w, err := New(Options{Dir: fakeWebDir(t), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	for _, c := range []struct {
		path   string
		code   int
		html   bool
		saying string
	}{
		{"/no/such/page", 404, true, "There is no page at this address."},
		{"/r/not.a.room", 404, true, "“not.a.room” is not a room name"},
		{"/r/" + strings.Repeat("x", 65), 404, true, "is not a room name"},
		{"/missing.png", 404, false, ""},
		{"/r/lobby", 200, true, ""},
		{"/", 200, true, ""},
	} {
		rec := httptest.NewRecorder()
		w.Pages().ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		body := rec.Body.String()
		if rec.Code != c.code || strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") != c.html {
			t.Errorf("%s: %d %s, want %d (HTML %v)", c.path, rec.Code, rec.Header().Get("Content-Type"), c.code, c.html)
		}
		if c.code == 404 && c.html && (!strings.Contains(body, "Page not found") || !strings.Contains(body, "Go to the rooms") || !strings.Contains(body, c.saying)) {
			t.Errorf("%s: the not-found page does not say %q with a way home:\n%s", c.path, c.saying, body)
		}
		if c.code == 200 && strings.Contains(body, "Page not found") {
			t.Errorf("%s: the not-found page answered a page that exists", c.path)
		}
	}
}

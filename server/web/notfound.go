package web

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/switchboard-rt/switchboard/wasmclient/shell"
)

// notFoundPages serves pages, but answers a page request go-app has no
// page for (it answers a plain "404 page not found") with the app's own
// not-found page (shell.PathNotFound), status 404: a way home, and for a bad
// room name, the naming rules. Requests for files (pageRequest) keep
// go-app's plain answer.
func notFoundPages(pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !pageRequest(r) {
			// A missing file keeps its plain 404.
			pages.ServeHTTP(w, r)
			return
		}
		c := &notFoundCatcher{ResponseWriter: w}
		pages.ServeHTTP(c, r)
		if !c.caught {
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = shell.PathNotFound, ""
		r2.URL.RawQuery = url.Values{"from": {r.URL.Path}}.Encode()
		r2.RequestURI = r2.URL.RequestURI()
		pages.ServeHTTP(&statusWriter{ResponseWriter: w, status: http.StatusNotFound}, r2)
	})
}

// pageRequest tells a request for a page from one for a file: a browser's
// navigation (it accepts HTML), a path without an extension, or one under
// a page prefix (a room name with a dot is still a room address).
func pageRequest(r *http.Request) bool {
	p := r.URL.Path
	for _, prefix := range []string{"/r/", "/embed/", "/c/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return path.Ext(p) == "" || strings.Contains(r.Header.Get("Accept"), "text/html")
}

// notFoundCatcher passes a response through, unless it is a 404 before
// anything was written: then it keeps it back (caught).
type notFoundCatcher struct {
	http.ResponseWriter
	wrote, caught bool
}

func (c *notFoundCatcher) WriteHeader(code int) {
	if !c.wrote && code == http.StatusNotFound {
		c.caught = true
		return
	}
	c.wrote = true
	c.ResponseWriter.WriteHeader(code)
}

func (c *notFoundCatcher) Write(b []byte) (int, error) {
	if c.caught {
		return len(b), nil
	}
	c.wrote = true
	return c.ResponseWriter.Write(b)
}

// statusWriter answers with status whatever the handler says.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(int) {
	if !s.wrote {
		s.wrote = true
		s.ResponseWriter.WriteHeader(s.status)
	}
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.WriteHeader(0)
	return s.ResponseWriter.Write(b)
}

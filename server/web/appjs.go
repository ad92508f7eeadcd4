package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
)

// go-app's app.js starts everything as soon as it runs (a deferred script,
// before the page's first paint): it registers the service worker (whose
// install downloads app.wasm a second time) and fetches and compiles
// app.wasm. On two cores that work delays the first paint of a page that
// is already complete (a prerendered room) by about 200 ms. Switchboard's
// app.js starts the same work after the first frame, and the service
// worker once app.wasm is running (its download then comes from the HTTP
// cache).
const (
	appJSStart = "goappInitServiceWorker();\ngoappWatchForUpdate();\ngoappWatchForInstallable();\ngoappInitWebAssembly();\n"
	appJSAfter = "goappWatchForUpdate();\ngoappWatchForInstallable();\n" +
		"// Switchboard: paint the prerendered page first, then load the app,\n" +
		"// then register the service worker.\n" +
		"requestAnimationFrame(() => setTimeout(() => goappInitWebAssembly().finally(goappInitServiceWorker), 0));\n"
)

// appJS renders go-app's app.js from pages (go-app's handler) and returns
// it with the start reordered (see appJSAfter). It fails if go-app's
// script no longer starts as this expects.
func appJS(pages http.Handler) ([]byte, error) {
	rec := httptest.NewRecorder()
	pages.ServeHTTP(rec, httptest.NewRequest("GET", "/app.js", nil))
	if rec.Code != http.StatusOK {
		return nil, errors.New("go-app's app.js: " + strconv.Itoa(rec.Code))
	}
	js := rec.Body.String()
	if strings.Count(js, appJSStart) != 1 {
		return nil, errors.New("go-app's app.js does not start as expected: update web/appjs.go for this go-app version")
	}
	return []byte(strings.Replace(js, appJSStart, appJSAfter, 1)), nil
}

// serveAppJS serves js (app.js) as go-app would, revalidated on every load.
func serveAppJS(js []byte, etag string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", "application/javascript")
		h.Set("Content-Length", strconv.Itoa(len(js)))
		w.Write(js)
	})
}

package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// mount serves h under basePath ("" or "/chat"): a request for
// basePath + "/x" reaches h as "/x", and anything outside basePath is not
// found. Every route (pages, /web/, /ws, /healthz, and whatever other
// features add to routes) moves under the prefix this one way; go-app's
// pages learn it from web.Options.BasePath.
func mount(basePath string, h http.Handler) http.Handler {
	if basePath == "" {
		return h
	}
	strip := http.StripPrefix(basePath, h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == basePath {
			// "/chat" → "/chat/", so relative URLs resolve under the prefix.
			http.Redirect(w, r, basePath+"/", http.StatusMovedPermanently)
			return
		}
		if !strings.HasPrefix(r.URL.Path, basePath+"/") {
			http.NotFound(w, r)
			return
		}
		strip.ServeHTTP(w, r)
	})
}

// NewHandler starts a node and returns its HTTP surface, for a Go program
// that serves Switchboard from its own mux. Set cfg.BasePath to the prefix
// it is mounted at, and mount the handler there with a trailing slash:
//
//	h, stop, err := server.NewHandler(ctx, server.Config{BasePath: "/chat", DataDir: "data", WebDir: "web"})
//	mux.Handle("/chat/", h)
//	defer stop(context.Background())
//
// stop closes every connection (clients reconnect elsewhere: close 1001)
// and waits for them until its context ends, then stops the node. Call it
// after the program's http.Server has stopped accepting requests.
func NewHandler(ctx context.Context, cfg Config) (h http.Handler, stop func(context.Context) error, err error) {
	n, err := New(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return n.Handler(), func(ctx context.Context) error {
		return n.Shutdown(ctx, protocol.CloseGoingAway)
	}, nil
}

// Package api is Switchboard's HTTP API for backends, under /api/v1: publish
// a message into a room as a named sender, publish live data points into a
// room's feed, read a room's history page by page, read who is in a room,
// and list the active rooms. Requests carry an
// API key (Authorization: Bearer <secret>), each key limited to the rooms
// its patterns match and to a request rate. Bodies are JSON in and out;
// every refusal is a typed error {"error":{"code":…,"message":…}} with the
// protocol's error codes plus unauthorized. openapi.json describes it all
// and is served at /api/v1/openapi.json.
//
// The key check, the room check and the rate limit live in one place
// (authorise). To add an endpoint: write a method with the endpoint
// signature, add a line to endpoints, and describe it in openapi.json (a
// test fails for a route the file does not describe).
package api

import (
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/switchboard-rt/switchboard/shared/protocol"
	"golang.org/x/time/rate"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = protocol.MaxFrameBytes

// CodeUnauthorized: the request carries no API key or an unknown one.
const CodeUnauthorized protocol.ErrorCode = "unauthorized"

//go:embed openapi.json
var openAPI []byte

// Options configure the API. The zero value of each field means its default.
type Options struct {
	// Keys are the API keys. None: every request is unauthorized.
	Keys []Key
	// RequestsPerSecond bounds each key's requests (burst: twice that);
	// more get 429 rate_limited. Default 20.
	RequestsPerSecond float64
	// Logger defaults to slog.Default(). Keys' secrets are never logged.
	Logger *slog.Logger
}

// API serves /api/v1. Create it with New.
type API struct {
	rooms  Rooms
	keys   keyring
	limits map[string]*rate.Limiter // by key name
	opts   Options
	log    *slog.Logger
	mux    *http.ServeMux
}

// endpoint handles one authorised request: k is its key, and room the
// {room} of its path (validated and within k's patterns; "" for routes
// without one). It returns the success status and body, or a typed error.
type endpoint func(a *API, r *http.Request, k *Key, room string) (status int, body any, perr *protocol.Error)

// endpoints is the API: method and path (under Prefix), and the handler.
var endpoints = []struct {
	method, path string
	handle       endpoint
}{
	{"GET", "/rooms", (*API).listRooms},
	{"POST", "/rooms/{room}/messages", (*API).publish},
	{"GET", "/rooms/{room}/messages", (*API).history},
	{"GET", "/rooms/{room}/presence", (*API).presence},
	{"POST", "/rooms/{room}/points", (*API).publishPoints},
}

// New returns the API over rooms.
func New(rooms Rooms, opts Options) *API {
	if opts.RequestsPerSecond <= 0 {
		opts.RequestsPerSecond = 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	a := &API{
		rooms: rooms, keys: newKeyring(opts.Keys), opts: opts, log: opts.Logger,
		limits: make(map[string]*rate.Limiter), mux: http.NewServeMux(),
	}
	for _, k := range opts.Keys {
		a.limits[k.Name] = rate.NewLimiter(rate.Limit(opts.RequestsPerSecond), max(1, int(2*opts.RequestsPerSecond)))
	}
	for _, e := range endpoints {
		a.mux.Handle(e.method+" "+Prefix+e.path, a.authorise(e.handle))
	}
	a.mux.HandleFunc("GET "+Prefix+"/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	a.mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, protocol.Errorf(protocol.CodeNotFound,
			"no endpoint %s %s; see %s/openapi.json", r.Method, r.URL.Path, Prefix))
	})
	return a
}

// ServeHTTP serves everything under Prefix.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// authorise is the one check in front of every endpoint: a known key, its
// rate, and (for routes with a {room}) a valid room within its patterns.
func (a *API) authorise(h endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		k := a.keys.find(strings.TrimSpace(secret))
		if !ok || k == nil {
			a.log.Info("api request refused: no valid key", "remote", r.RemoteAddr, "path", r.URL.Path)
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
			writeError(w, http.StatusUnauthorized, protocol.Errorf(CodeUnauthorized,
				"send an API key: Authorization: Bearer <key>"))
			return
		}
		if !a.limits[k.Name].Allow() {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, protocol.Errorf(protocol.CodeRateLimited,
				"slow down: at most %g requests per second per key", a.opts.RequestsPerSecond))
			return
		}
		room := r.PathValue("room")
		if r.Pattern != "" && strings.Contains(r.Pattern, "{room}") {
			if perr := protocol.ValidateRoom(room); perr != nil {
				writeError(w, http.StatusBadRequest, perr)
				return
			}
			if !k.allows(room) {
				a.log.Info("api request refused: room outside the key's patterns", "key", k.Name, "room", room)
				writeError(w, http.StatusForbidden, protocol.Errorf(protocol.CodeForbidden,
					"this API key may not reach room %q", room))
				return
			}
		}
		status, body, perr := h(a, r, k, room)
		if perr != nil {
			writeError(w, statusOf(perr.Code), perr)
			return
		}
		writeJSON(w, status, body)
	})
}

// statusOf maps an error code to its HTTP status.
func statusOf(code protocol.ErrorCode) int {
	switch code {
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case protocol.CodeForbidden:
		return http.StatusForbidden
	case protocol.CodeNotFound:
		return http.StatusNotFound
	case protocol.CodeRateLimited:
		return http.StatusTooManyRequests
	case protocol.CodeUnavailable:
		return http.StatusServiceUnavailable
	case protocol.CodeInternal:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(body)
}

func writeError(w http.ResponseWriter, status int, perr *protocol.Error) {
	writeJSON(w, status, struct {
		Error *protocol.Error `json:"error"`
	}{perr})
}

// decodeBody reads the request's JSON body into v strictly: at most
// MaxBodyBytes, one object as protocol.DecodeStrict takes it (no
// duplicate or unknown members).
func decodeBody(r *http.Request, v any) *protocol.Error {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return protocol.Errorf(protocol.CodeBadRequest, "the body is larger than %d bytes", MaxBodyBytes)
	case err != nil:
		return protocol.Errorf(protocol.CodeBadRequest, "the body could not be read")
	}
	if err := protocol.DecodeStrict(data, v); err != nil {
		return protocol.Errorf(protocol.CodeBadRequest, "the body is not the JSON this endpoint takes: %v", err)
	}
	return nil
}

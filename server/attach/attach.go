// Package attach serves attachments over HTTP: uploads (POST /upload),
// which it authenticates, bounds, sniffs and stores, and downloads
// (GET /files/{id}), which it serves so that no file can run in the
// site's origin: only safe image types inline, everything else as a
// download, always with nosniff and a sandboxing Content-Security-Policy.
// It imports no infrastructure: files go to and come from a Store.
package attach

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
	"golang.org/x/time/rate"
)

// Options configure a Handler. The zero value of each field means its
// default.
type Options struct {
	// MaxBytes is the largest file one upload may carry; larger ones get
	// HTTP 413 (too_large). Default 5 MiB.
	MaxBytes int64
	// UploadsPerMinute bounds each person's uploads (burst: the same
	// number); more get HTTP 429 (rate_limited). Default 30.
	UploadsPerMinute int
	// Authenticate returns who presents token (a session token from a
	// welcome, or a site's JWT). Required.
	Authenticate func(token string) (protocol.User, hub.Access, error)
	// CheckAccess reports whether that person may enter the room (private
	// rooms, bans). Required.
	CheckAccess func(ctx context.Context, a hub.Access, userID, room string) *protocol.Error
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Store keeps the files. The broker implements it on a JetStream object
// store.
type Store interface {
	// PutFile stores r's content as meta.ID and returns meta with its Size.
	PutFile(ctx context.Context, meta hub.FileMeta, r io.Reader) (hub.FileMeta, error)
	// OpenFile returns what is stored of id and its content (closed by the
	// caller), or hub.ErrFileNotFound.
	OpenFile(ctx context.Context, id string) (hub.FileMeta, io.ReadCloser, error)
}

// Handler serves uploads and downloads. Safe for concurrent use.
type Handler struct {
	opts  Options
	store Store
	log   *slog.Logger

	mu     sync.Mutex
	limits map[string]*userLimit // upload rate per user id
}

type userLimit struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a Handler storing files in store.
func New(store Store, opts Options) *Handler {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 5 << 20
	}
	if opts.UploadsPerMinute <= 0 {
		opts.UploadsPerMinute = 30
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Handler{opts: opts, store: store, log: opts.Logger, limits: make(map[string]*userLimit)}
}

// allow takes one upload from userID's bucket. Idle buckets are forgotten
// once there are many.
func (h *Handler) allow(userID string, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.limits) > 10000 {
		for id, l := range h.limits {
			if now.Sub(l.seen) > 2*time.Minute {
				delete(h.limits, id)
			}
		}
	}
	l := h.limits[userID]
	if l == nil {
		n := h.opts.UploadsPerMinute
		l = &userLimit{lim: rate.NewLimiter(rate.Every(time.Minute/time.Duration(n)), n)}
		h.limits[userID] = l
	}
	l.seen = now
	return l.lim.AllowN(now, 1)
}

// newID returns a fresh, unguessable file id: it is all a download needs.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// fail answers with a JSON error: {"error": {"code", "message"}}.
func fail(w http.ResponseWriter, status int, perr *protocol.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Error *protocol.Error `json:"error"`
	}{perr})
}

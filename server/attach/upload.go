package attach

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// sniffLen is how much of a file http.DetectContentType looks at.
const sniffLen = 512

// Upload handles POST /upload?room=ROOM&name=NAME with the file as the
// request body, authorised by "Authorization: Bearer <token>". It answers
// 201 with the stored protocol.Attachment, or a JSON error: 401
// token_invalid, 400 invalid_room or bad_request (empty file), 403
// forbidden or banned, 413 too_large, 429 rate_limited, 503 unavailable.
func (h *Handler) Upload() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			fail(w, http.StatusUnauthorized, protocol.Errorf(protocol.CodeTokenInvalid, "send your session token or sign-in token as Authorization: Bearer"))
			return
		}
		user, access, err := h.opts.Authenticate(token)
		if err != nil {
			fail(w, http.StatusUnauthorized, protocol.Errorf(protocol.CodeTokenInvalid, "the token was refused"))
			return
		}
		room := r.URL.Query().Get("room")
		if perr := protocol.ValidateRoom(room); perr != nil {
			fail(w, http.StatusBadRequest, perr)
			return
		}
		if perr := h.opts.CheckAccess(r.Context(), access, user.ID, room); perr != nil {
			status := http.StatusForbidden
			if perr.Code == protocol.CodeUnavailable {
				status = http.StatusServiceUnavailable
			}
			fail(w, status, perr)
			return
		}
		if !h.allow(user.ID, time.Now()) {
			w.Header().Set("Retry-After", "2")
			fail(w, http.StatusTooManyRequests, protocol.Errorf(protocol.CodeRateLimited, "slow down: at most %d uploads per minute", h.opts.UploadsPerMinute))
			return
		}
		tooLarge := protocol.Errorf(protocol.CodeTooLarge, "files may be at most %s", formatBytes(h.opts.MaxBytes))
		if r.ContentLength > h.opts.MaxBytes {
			fail(w, http.StatusRequestEntityTooLarge, tooLarge)
			return
		}
		body := http.MaxBytesReader(w, r.Body, h.opts.MaxBytes)
		head := make([]byte, sniffLen)
		n, err := io.ReadFull(body, head)
		head = head[:n]
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			h.readFailed(w, err, tooLarge)
			return
		}
		if n == 0 {
			fail(w, http.StatusBadRequest, protocol.Errorf(protocol.CodeBadRequest, "the file is empty"))
			return
		}
		meta := hub.FileMeta{
			Attachment: protocol.Attachment{
				ID:   newID(),
				Name: protocol.CleanFileName(r.URL.Query().Get("name")),
				Type: contentType(head),
			},
			Room: room, User: user.ID,
		}
		meta, err = h.store.PutFile(r.Context(), meta, io.MultiReader(bytes.NewReader(head), body))
		if err != nil {
			h.readFailed(w, err, tooLarge)
			return
		}
		h.log.Info("file uploaded", "id", meta.ID, "room", room, "user", user.ID, "type", meta.Type, "bytes", meta.Size)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(meta.Attachment)
	})
}

// readFailed answers an upload whose body could not be read or stored.
func (h *Handler) readFailed(w http.ResponseWriter, err error, tooLarge *protocol.Error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		fail(w, http.StatusRequestEntityTooLarge, tooLarge)
		return
	}
	h.log.Warn("upload failed", "err", err)
	fail(w, http.StatusServiceUnavailable, protocol.Errorf(protocol.CodeUnavailable, "the file could not be stored; try again"))
}

// contentType sniffs a file's type from its first bytes, without the
// parameters DetectContentType adds to text types.
func contentType(head []byte) string {
	t := http.DetectContentType(head)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return t
}

// formatBytes writes n as people read it: "5 MB", "512 KB".
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

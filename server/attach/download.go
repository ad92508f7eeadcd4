package attach

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// filePolicy keeps a served file from running anything, even if a browser
// were to render it: no scripts, no plugins, a sandbox of its own.
const filePolicy = "default-src 'none'; img-src 'self'; sandbox"

// Download handles GET /files/{id}. Anyone with the link may download (ids
// are 128-bit random). Images of protocol.InlineImageTypes are served with
// their type, inline; every other file as application/octet-stream with
// Content-Disposition: attachment, so it is saved, never shown. Unknown
// ids get 404 not_found.
func (h *Handler) Download() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		notFound := protocol.Errorf(protocol.CodeNotFound, "no such file")
		if protocol.ValidateAttachment(&protocol.Attachment{ID: id}) != nil {
			fail(w, http.StatusNotFound, notFound)
			return
		}
		meta, body, err := h.store.OpenFile(r.Context(), id)
		if errors.Is(err, hub.ErrFileNotFound) {
			fail(w, http.StatusNotFound, notFound)
			return
		}
		if err != nil {
			h.log.Warn("open file", "id", id, "err", err)
			fail(w, http.StatusServiceUnavailable, protocol.Errorf(protocol.CodeUnavailable, "the file cannot be read now; try again"))
			return
		}
		defer body.Close()
		hd := w.Header()
		disposition, ctype := "attachment", "application/octet-stream"
		if meta.Inline() {
			disposition, ctype = "inline", meta.Type
		}
		hd.Set("Content-Type", ctype)
		if v := mime.FormatMediaType(disposition, map[string]string{"filename": meta.Name}); v != "" {
			disposition = v
		}
		hd.Set("Content-Disposition", disposition)
		hd.Set("Content-Length", strconv.FormatInt(meta.Size, 10))
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Content-Security-Policy", filePolicy)
		// A file never changes under its id.
		hd.Set("Cache-Control", "private, max-age=31536000, immutable")
		if r.Method == http.MethodHead {
			return
		}
		if _, err := io.Copy(w, body); err != nil {
			h.log.Debug("file download ended early", "id", id, "err", err)
		}
	})
}

package web

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"
)

// embedScript is the loader other sites include with a script tag: it adds
// the launcher and a panel framing the embed page (/embed/{room}), and
// bridges the page's API (window.Switchboard) to it with postMessage.
//
//go:embed embed.js
var embedScript []byte

// MaxEmbedScriptBytes bounds the loader's size: it loads on every page of
// the sites that include it.
// 12 KiB raw (about 4 KB gzip'd); it grew past 10 KiB with the refused
// site's notice and the conversation mode.
const MaxEmbedScriptBytes = 12 << 10

// EmbedScript serves the loader (/embed.js). It is part of the server
// binary, so it matches the embed page of the same build; the ETag lets
// browsers revalidate it cheaply.
func EmbedScript() http.Handler {
	sum := sha256.Sum256(embedScript)
	etag := `"` + hex.EncodeToString(sum[:10]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "embed.js", time.Time{}, bytes.NewReader(embedScript))
	})
}

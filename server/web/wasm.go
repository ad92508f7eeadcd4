package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"
)

// precompressed is app.wasm with its brotli and gzip forms, held in memory.
type precompressed struct {
	raw, gz, br []byte
	size        int64
	hash        string
	etag        string
}

// loadPrecompressed reads path and its .gz and .br siblings. A sibling that
// is missing or older than path is made now and written next to it (best
// effort), so `make build` pays for brotli once, not every start.
func loadPrecompressed(path string, log *slog.Logger) (*precompressed, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	p := &precompressed{raw: raw, size: int64(len(raw)), hash: hex.EncodeToString(sum[:])}
	p.etag = `"` + p.hash[:20] + `"`
	p.gz, err = sibling(path, ".gz", raw, gzipBytes, log)
	if err != nil {
		return nil, err
	}
	p.br, err = sibling(path, ".br", raw, brotliBytes, log)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Compress writes path.gz and path.br for the file at path. `make build`
// calls it (through `switchboard precompress`) so servers start fast.
func Compress(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for ext, f := range map[string]func([]byte) ([]byte, error){".gz": gzipBytes, ".br": brotliBytes} {
		data, err := f(raw)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path+ext, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func sibling(path, ext string, raw []byte, compress func([]byte) ([]byte, error), log *slog.Logger) ([]byte, error) {
	src, _ := os.Stat(path)
	if st, err := os.Stat(path + ext); err == nil && !st.ModTime().Before(src.ModTime()) {
		if data, err := os.ReadFile(path + ext); err == nil {
			return data, nil
		}
	}
	log.Info("compressing app.wasm; `make build` does this ahead of time", "encoding", ext)
	data, err := compress(raw)
	if err != nil {
		return nil, fmt.Errorf("compress %s: %w", path, err)
	}
	if err := os.WriteFile(path+ext, data, 0o644); err != nil {
		log.Warn("could not keep compressed app.wasm", "err", err)
	}
	return data, nil
}

func gzipBytes(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	err := w.Close()
	return buf.Bytes(), err
}

func brotliBytes(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	err := w.Close()
	return buf.Bytes(), err
}

// ServeHTTP serves the best encoding the client accepts. The ETag is the
// content hash, so a returning visitor revalidates with a 304.
func (p *precompressed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", p.etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, p.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := p.raw
	switch ae := r.Header.Get("Accept-Encoding"); {
	case accepts(ae, "br"):
		body = p.br
		h.Set("Content-Encoding", "br")
	case accepts(ae, "gzip"):
		body = p.gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// accepts reports whether an Accept-Encoding header allows enc (q=0 refuses).
func accepts(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) != enc {
			continue
		}
		params = strings.ReplaceAll(params, " ", "")
		return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
	}
	return false
}

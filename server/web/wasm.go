package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/andybalholm/brotli"
)

// Brotli levels: the build spends half a minute once for the smallest file;
// a server without a fresh build-time copy compresses quickly at start-up.
const (
	buildBrotliLevel   = brotli.BestCompression
	runtimeBrotliLevel = 5
)

// precompressed is app.wasm with its brotli and gzip forms, held in memory.
// The compressed forms may appear later (made in the background); until
// then the best form ready is served.
type precompressed struct {
	raw  []byte
	size int64
	hash string
	etag string
	gz   atomic.Pointer[[]byte]
	br   atomic.Pointer[[]byte]

	cancel context.CancelFunc
	done   sync.WaitGroup
}

// loadPrecompressed reads path and its .gz and .br siblings. Siblings that
// are missing or older than path are made in a background goroutine (and
// written next to path, best effort) when makeMissing is set; close stops
// it.
func loadPrecompressed(path string, makeMissing bool, log *slog.Logger) (*precompressed, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	p := &precompressed{raw: raw, size: int64(len(raw)), hash: hex.EncodeToString(sum[:])}
	p.etag = `"` + p.hash[:20] + `"`
	src, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, ext := range []string{".gz", ".br"} {
		if data := freshSibling(path+ext, src.ModTime()); data != nil {
			p.slot(ext).Store(&data)
		} else {
			missing = append(missing, ext)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	if len(missing) > 0 && makeMissing {
		log.Info("compressing app.wasm in the background (`make build` does it ahead of time)", "missing", missing)
		p.done.Go(func() {
			for _, ext := range missing {
				start := time.Now()
				data, err := compress(ctx, ext, raw, runtimeBrotliLevel)
				if err != nil {
					if ctx.Err() == nil {
						log.Warn("compress app.wasm", "encoding", ext, "err", err)
					}
					return
				}
				p.slot(ext).Store(&data)
				if err := os.WriteFile(path+ext, data, 0o644); err != nil {
					log.Debug("could not keep compressed app.wasm", "err", err)
				}
				log.Info("compressed app.wasm", "encoding", ext, "bytes", len(data), "took", time.Since(start).Round(time.Millisecond))
			}
		})
	}
	return p, nil
}

func (p *precompressed) slot(ext string) *atomic.Pointer[[]byte] {
	if ext == ".gz" {
		return &p.gz
	}
	return &p.br
}

// close stops background compression and waits for it.
func (p *precompressed) close() {
	p.cancel()
	p.done.Wait()
}

func freshSibling(path string, than time.Time) []byte {
	st, err := os.Stat(path)
	if err != nil || st.ModTime().Before(than) {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return data
}

// Compress writes path.gz and path.br (brotli at its best level) for the
// file at path. `make build` calls it through `switchboard precompress`.
func Compress(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, ext := range []string{".gz", ".br"} {
		data, err := compress(context.Background(), ext, raw, buildBrotliLevel)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path+ext, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// compress encodes raw as gzip (".gz") or brotli (".br"), in chunks so ctx
// can stop it.
func compress(ctx context.Context, ext string, raw []byte, brotliLevel int) ([]byte, error) {
	var buf bytes.Buffer
	var w io.WriteCloser
	if ext == ".gz" {
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
	} else {
		w = brotli.NewWriterLevel(&buf, brotliLevel)
	}
	const chunk = 256 << 10
	for off := 0; off < len(raw); off += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if _, err := w.Write(raw[off:min(off+chunk, len(raw))]); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// serve serves the best encoding the client accepts, with cacheControl.
// The ETag is the content hash, so a revalidation is answered with a 304.
func (p *precompressed) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", p.etag)
	h.Set("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, p.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := p.raw
	ae := r.Header.Get("Accept-Encoding")
	if br := p.br.Load(); br != nil && accepts(ae, "br") {
		body = *br
		h.Set("Content-Encoding", "br")
	} else if gz := p.gz.Load(); gz != nil && accepts(ae, "gzip") {
		body = *gz
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
		q := strings.TrimPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
			return false
		}
		return true
	}
	return false
}

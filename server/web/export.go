package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/wasmclient/shell"
)

// ExportOptions configure a static export of the browser app.
type ExportOptions struct {
	// Dir holds the built app.wasm and static files (what the server's
	// --web-dir holds). Required.
	Dir string
	// Out is the folder to write; created if missing. Required.
	Out string
	// Server is the WebSocket URL of the Switchboard server the exported
	// app talks to: ws:// or wss://host[:port][/path]. Without a path, or
	// with "/", the path is /ws. Required.
	Server string
	// BasePath is the path the static host serves the export under ("/chat"
	// for https://example.github.io/chat/). Default: the root.
	BasePath string
}

// ServerURL checks a server WebSocket URL for an export and returns it with
// its path: ws:// or wss://, a host, no query, no fragment, no user info;
// no path (or "/") means /ws.
func ServerURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("server %q: want ws:// or wss://host[:port][/path]", s)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/ws"
	}
	return u.String(), nil
}

// Export writes the browser app as static files any static host can serve:
// go-app's pages and scripts (app.GenerateStaticWebsite), app.wasm and the
// static files under web/, and 404.html (the app again, for hosts that
// serve it for unknown paths, so a room's link opens the room). The app
// connects to opts.Server; that server must allow the static host's origin
// (--allowed-origins).
func Export(opts ExportOptions) error {
	if opts.Dir == "" || opts.Out == "" {
		return errors.New("export: the web folder and the output folder are required")
	}
	server, err := ServerURL(opts.Server)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	raw, err := os.ReadFile(filepath.Join(opts.Dir, "app.wasm"))
	if err != nil {
		return fmt.Errorf("export: %w (build it with `make build`)", err)
	}
	sum := sha256.Sum256(raw)
	version, err := buildVersion(opts.Dir, hex.EncodeToString(sum[:]))
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	registerRoutes()
	// Static hosts choose their own caching: app.wasm keeps its plain name.
	h := handler(opts.BasePath, version, "", nil)
	h.Env[shell.EnvServerURL] = server
	h.WasmContentLength = strconv.Itoa(len(raw))
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := app.GenerateStaticWebsite(opts.Out, h); err != nil {
		return fmt.Errorf("export: generate pages: %w", err)
	}
	js, err := appJS(h)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.WriteFile(filepath.Join(opts.Out, "app.js"), js, 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := copyWeb(opts.Dir, filepath.Join(opts.Out, "web")); err != nil {
		return fmt.Errorf("export: copy %s: %w", opts.Dir, err)
	}
	index, err := os.ReadFile(filepath.Join(opts.Out, "index.html"))
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.WriteFile(filepath.Join(opts.Out, "404.html"), index, 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// copyWeb copies the static files of dir into out, without the compressed
// copies of app.wasm (static hosts compress on their own, or not at all).
func copyWeb(dir, out string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		target := filepath.Join(out, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if strings.HasSuffix(path, ".gz") || strings.HasSuffix(path, ".br") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

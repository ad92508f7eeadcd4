package dev

import (
	"path"
	"path/filepath"
	"strings"
)

// staticPrefix is where the web app's static files live in the repository
// (copied to Out/web, served under /web/).
const staticPrefix = "wasmclient/web/"

// plan is what a batch of changed files asks for.
type plan struct {
	// build are the binaries to rebuild.
	build target
	// static are changed files under wasmclient/web/, relative to it: they
	// are copied (or removed), not built.
	static []string
	// relist asks for a new `go list` (a go.mod changed).
	relist bool
	// page is set when a changed file is the server's page code
	// (server/web/: the HTML, its headers, the service worker): open tabs
	// reload even when only the server was rebuilt. A server edit
	// elsewhere restarts the server and the tabs just reconnect.
	page bool
}

// pagePrefix holds the server's code for the page itself.
const pagePrefix = "server/web/"

// css reports whether every static file of the plan is a stylesheet, so tabs
// can swap their stylesheets instead of reloading.
func (p plan) css() bool {
	for _, f := range p.static {
		if path.Ext(f) != ".css" {
			return false
		}
	}
	return len(p.static) > 0
}

// classify turns changed files (absolute paths under root) into a plan,
// using src to know which binary compiles which file. Go files src does
// not know (new files, or files of packages neither binary imports) are
// returned apart: the caller lists the sources again and retries them.
func classify(root string, src *sources, files []string) (p plan, unknown []string) {
	seen := make(map[string]bool)
	for _, file := range files {
		if seen[file] {
			continue
		}
		seen[file] = true
		rel, err := filepath.Rel(root, file)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		rel = filepath.ToSlash(rel)
		base := path.Base(rel)
		switch {
		case ignoredName(base):
		case strings.HasPrefix(rel, staticPrefix):
			p.static = append(p.static, strings.TrimPrefix(rel, staticPrefix))
		case base == "go.mod" || base == "go.sum" || rel == "go.work" || rel == "go.work.sum":
			p.build |= wasmApp | serverBin
			p.relist, p.page = true, true
		case strings.HasSuffix(base, "_test.go"):
		default:
			t, ok := src.lookup(file)
			if !ok {
				if path.Ext(base) == ".go" {
					unknown = append(unknown, file)
				}
				continue
			}
			p.build |= t
			p.page = p.page || strings.HasPrefix(rel, pagePrefix)
		}
	}
	return p, unknown
}

// ignoredName reports editor droppings: hidden files, backups, swap files
// and vim's write test.
func ignoredName(base string) bool {
	return strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") ||
		strings.HasSuffix(base, ".swp") || strings.HasSuffix(base, ".swx") ||
		strings.HasSuffix(base, ".tmp") || base == "4913"
}

package dev

import (
	"path/filepath"
	"slices"
	"testing"
)

func TestClassify(t *testing.T) {
	root := t.TempDir()
	abs := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
	src := &sources{files: map[string]target{
		abs("wasmclient/main.go"):         wasmApp,
		abs("wasmclient/ui/room_view.go"): wasmApp, // the dev server does not prerender
		abs("wasmclient/shell/shell.go"):  wasmApp | serverBin,
		abs("shared/protocol/types.go"):   wasmApp | serverBin,
		abs("shared/client/dial_js.go"):   wasmApp,
		abs("server/routes.go"):           serverBin,
		abs("server/web/base.go"):         serverBin,
	}}
	tests := []struct {
		name    string
		files   []string
		build   target
		static  []string
		css     bool
		relist  bool
		page    bool
		unknown int
	}{
		{name: "ui component", files: []string{"wasmclient/ui/room_view.go"}, build: wasmApp},
		{name: "page addresses and settings", files: []string{"wasmclient/shell/shell.go"}, build: wasmApp | serverBin},
		{name: "wasm main", files: []string{"wasmclient/main.go"}, build: wasmApp},
		{name: "shared protocol", files: []string{"shared/protocol/types.go"}, build: wasmApp | serverBin},
		{name: "browser-only file of shared", files: []string{"shared/client/dial_js.go"}, build: wasmApp},
		{name: "server", files: []string{"server/routes.go"}, build: serverBin},
		{name: "stylesheet", files: []string{"wasmclient/web/app.css"}, static: []string{"app.css"}, css: true},
		{name: "icon", files: []string{"wasmclient/web/icon.svg", "wasmclient/web/app.css"}, static: []string{"icon.svg", "app.css"}},
		{name: "test file", files: []string{"server/routes_test.go"}},
		{name: "editor droppings", files: []string{"server/.routes.go.swp", "server/routes.go~", "server/4913"}},
		{name: "server page code", files: []string{"server/web/base.go"}, build: serverBin, page: true},
		{name: "server and page code", files: []string{"server/routes.go", "server/web/base.go"}, build: serverBin, page: true},
		{name: "go.mod", files: []string{"server/go.mod"}, build: wasmApp | serverBin, relist: true, page: true},
		{name: "go.work", files: []string{"go.work"}, build: wasmApp | serverBin, relist: true, page: true},
		{name: "new Go file", files: []string{"wasmclient/ui/new.go"}, unknown: 1},
		{name: "README", files: []string{"README.md", "server/notes.txt"}},
		{name: "outside the repository", files: []string{"../elsewhere/x.go"}},
		{name: "twice in a batch", files: []string{"server/routes.go", "server/routes.go"}, build: serverBin},
		{name: "ui and server together", files: []string{"wasmclient/ui/room_view.go", "server/routes.go"}, build: wasmApp | serverBin},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var files []string
			for _, f := range tc.files {
				files = append(files, abs(f))
			}
			p, unknown := classify(root, src, files)
			if p.build != tc.build {
				t.Errorf("build %v, want %v", p.build, tc.build)
			}
			if !slices.Equal(p.static, tc.static) {
				t.Errorf("static %q, want %q", p.static, tc.static)
			}
			if p.css() != tc.css {
				t.Errorf("css %v, want %v", p.css(), tc.css)
			}
			if p.relist != tc.relist {
				t.Errorf("relist %v, want %v", p.relist, tc.relist)
			}
			if p.page != tc.page {
				t.Errorf("page %v, want %v", p.page, tc.page)
			}
			if len(unknown) != tc.unknown {
				t.Errorf("unknown %q, want %d", unknown, tc.unknown)
			}
		})
	}
}

// TestListSources asks the go command about this repository: the UI is
// compiled into both binaries, the server's routes only into the server,
// the browser's dialer only into app.wasm, and tests into neither.
func TestListSources(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	src, err := listSources(t.Context(), "go", root)
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]target{
		"wasmclient/ui/routes.go":         wasmApp, // the dev build does not prerender
		"wasmclient/shell/shell.go":       wasmApp | serverBin,
		"server/web/pages_noprerender.go": serverBin,
		"wasmclient/main.go":              wasmApp,
		"shared/protocol/validate.go":     wasmApp | serverBin,
		"shared/client/dial_js.go":        wasmApp,
		"shared/client/dial_native.go":    serverBin,
		"server/routes.go":                serverBin,
		"server/cmd/switchboard/serve.go": serverBin,
		"server/natsd/external.go":        serverBin, // the dev build has no NATS server
	} {
		if got, _ := src.lookup(filepath.Join(root, rel)); got != want {
			t.Errorf("%s: compiled into %v, want %v", rel, got, want)
		}
	}
	for _, rel := range []string{"server/dev/loop.go", "server/room_test.go", "server/e2e/devloop_test.go", "server/natsd/natsd.go", "server/web/pages.go"} {
		if got, ok := src.lookup(filepath.Join(root, rel)); ok {
			t.Errorf("%s: compiled into %v, want neither", rel, got)
		}
	}
}

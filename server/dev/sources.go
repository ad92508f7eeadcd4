package dev

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// target is a set of binaries the loop builds.
type target uint8

const (
	wasmApp   target = 1 << iota // app.wasm (GOOS=js GOARCH=wasm ./wasmclient)
	serverBin                    // the switchboard binary (./server/cmd/switchboard)
)

var targets = []target{wasmApp, serverBin}

func (t target) String() string {
	var names []string
	if t&wasmApp != 0 {
		names = append(names, "app.wasm")
	}
	if t&serverBin != 0 {
		names = append(names, "the server")
	}
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, " and ")
}

// buildSpec says how to build one target from the repository root.
type buildSpec struct {
	pkg   string
	env   []string
	flags []string // for both go build and go list
}

func (t target) spec() buildSpec {
	if t == wasmApp {
		return buildSpec{pkg: "./wasmclient", env: []string{"GOOS=js", "GOARCH=wasm"}}
	}
	// The loop runs NATS itself (or the developer's is used): the server
	// is built without its own, which leaves nats-server out of the
	// binary, halving the compile of the packages above it and a third
	// of the link (see package natsd). It does not prerender the pages
	// either (see package web): the UI's components are compiled once,
	// for app.wasm, and a UI edit rebuilds app.wasm alone.
	return buildSpec{pkg: "./server/cmd/switchboard", flags: []string{"-tags", "switchboard_external_nats,switchboard_noprerender"}}
}

// sources maps every file the two binaries compile (Go and embedded files,
// as `go list -deps` reports them for each one's GOOS) to the binaries
// that compile it. Files outside the repository are left out.
type sources struct {
	files map[string]target
}

// listSources asks the go command what each binary compiles.
func listSources(ctx context.Context, goCmd, root string) (*sources, error) {
	s := &sources{files: make(map[string]target)}
	prefix := filepath.Clean(root) + string(filepath.Separator)
	const format = `{{if not .Standard}}{{.Dir}}{{range .GoFiles}}{{"\t"}}{{.}}{{end}}` +
		`{{range .CgoFiles}}{{"\t"}}{{.}}{{end}}{{range .EmbedFiles}}{{"\t"}}{{.}}{{end}}{{end}}`
	for _, t := range targets {
		spec := t.spec()
		args := append(append([]string{"list", "-e", "-deps"}, spec.flags...), "-f", format, spec.pkg)
		cmd := exec.CommandContext(ctx, goCmd, args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), spec.env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list %s: %v: %s", spec.pkg, err, strings.TrimSpace(stderr.String()))
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			fields := strings.Split(sc.Text(), "\t")
			dir := fields[0]
			if dir == "" || !strings.HasPrefix(dir+string(filepath.Separator), prefix) {
				continue
			}
			for _, f := range fields[1:] {
				s.files[filepath.Join(dir, f)] |= t
			}
		}
	}
	return s, nil
}

// lookup returns the binaries that compile file (an absolute path), and
// whether any does.
func (s *sources) lookup(file string) (target, bool) {
	if s == nil {
		return 0, false
	}
	t, ok := s.files[file]
	return t, ok
}

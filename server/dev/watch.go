package dev

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
)

// watchedTrees are the folders (relative to the repository root) whose
// files are watched, with every folder below them. The root itself is
// watched without its subfolders, for go.work.
var watchedTrees = []string{"server", "shared", "wasmclient"}

// watcher reports the paths of files that change under the watched trees.
// inotify is not recursive, so it adds every folder, and the folders that
// appear later.
type watcher struct {
	root string
	fs   *fsnotify.Watcher
	log  *slog.Logger
}

func newWatcher(root string, log *slog.Logger) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &watcher{root: filepath.Clean(root), fs: fw, log: log}
	if err := fw.Add(root); err != nil {
		fw.Close()
		return nil, err
	}
	for _, tree := range watchedTrees {
		if err := w.addTree(filepath.Join(root, tree), nil); err != nil {
			fw.Close()
			return nil, err
		}
	}
	return w, nil
}

// addTree watches dir and every folder below it but skipped ones; found,
// when not nil, receives the files already there (a folder created or moved
// in while running may hold files no event will report).
func (w *watcher) addTree(dir string, found func(string)) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // gone meanwhile
		}
		if !d.IsDir() {
			if found != nil {
				found(p)
			}
			return nil
		}
		if p != dir && skippedDir(d.Name()) {
			return filepath.SkipDir
		}
		return w.fs.Add(p)
	})
}

// skippedDir reports folders with nothing the binaries compile.
func skippedDir(name string) bool {
	return name == "testdata" || name == "node_modules" || ignoredName(name) || name[0] == '_'
}

// watchesNew reports whether a folder created at dir is to be watched: it
// is inside a watched tree (bin/ and data/ at the root are not).
func (w *watcher) watchesNew(dir string) bool {
	if skippedDir(filepath.Base(dir)) {
		return false
	}
	if filepath.Dir(dir) != w.root {
		return true
	}
	for _, tree := range watchedTrees {
		if filepath.Base(dir) == tree {
			return true
		}
	}
	return false
}

// run sends changed paths to out until ctx ends, then closes the watcher.
func (w *watcher) run(ctx context.Context, out chan<- string) {
	defer w.fs.Close()
	send := func(p string) {
		select {
		case out <- p:
		case <-ctx.Done():
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			w.log.Warn("watching files", "err", err)
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					if w.watchesNew(ev.Name) {
						if err := w.addTree(ev.Name, send); err != nil {
							w.log.Warn("watch new folder", "dir", ev.Name, "err", err)
						}
					}
					continue
				}
			}
			send(ev.Name)
		}
	}
}

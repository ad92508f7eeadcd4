package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/switchboard-rt/switchboard/server/web"
)

// export writes the browser app as static files that talk to a running
// server (`switchboard export --out DIR --server wss://chat.example.com`).
func export(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var opts web.ExportOptions
	fs.StringVar(&opts.Out, "out", "", "folder to write the static site to (required)")
	fs.StringVar(&opts.Server, "server", "", "WebSocket URL of the server the app talks to, ws:// or wss://host[:port][/path] (required; no path: /ws)")
	fs.StringVar(&opts.Dir, "web-dir", "", "folder with the built app.wasm and static files (default: web/ beside the binary)")
	fs.StringVar(&opts.BasePath, "base-path", "", "path the static host serves the site under, e.g. /chat (default: the root)")
	if err := parse(fs, args, getenv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if opts.Out == "" || opts.Server == "" {
		return errors.New("export: --out and --server are required")
	}
	if opts.Dir == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the web folder: %w (set --web-dir)", err)
		}
		opts.Dir = filepath.Join(filepath.Dir(exe), "web")
	}
	if err := web.Export(opts); err != nil {
		return err
	}
	server, _ := web.ServerURL(opts.Server)
	fmt.Fprintf(stdout, "wrote the web app to %s; it talks to %s.\n"+
		"Serve the folder from any static host, and allow its origin on the server:\n"+
		"  switchboard serve --allowed-origins https://your-static-host.example\n", opts.Out, server)
	return nil
}

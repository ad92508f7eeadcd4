// Command switchboard-dev runs Switchboard in development mode (`make
// dev`): it builds app.wasm and the server, serves them through a proxy on
// --addr, and on every saved change rebuilds what changed and reloads the
// open tabs (see package dev). It is a tool for people working on
// Switchboard; `make build` never builds it, and the switchboard binary has
// none of it.
//
// Usage:
//
//	switchboard-dev [--addr 127.0.0.1:8080] [--root .] [--out bin/dev] [-- serve flags...]
//
// Flags after -- go to `switchboard serve`. Pressing Enter in the terminal
// rebuilds and restarts the server.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/switchboard-rt/switchboard/server/dev"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchboard-dev:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stderr io.Writer) error {
	fs := flag.NewFlagSet("switchboard-dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "where browsers connect (default from SWITCHBOARD_ADDR when set)")
	root := fs.String("root", ".", "the Switchboard repository (the folder with go.work)")
	out := fs.String("out", "", "folder for the builds and the server's data (default ROOT/bin/dev)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "addr" })
	if v := getenv("SWITCHBOARD_ADDR"); v != "" && !given {
		*addr = v
	}
	restart := make(chan struct{}, 1)
	go readRestarts(stdin, restart)
	return dev.Run(ctx, dev.Options{
		Root: *root, Out: *out, Addr: *addr, ServerArgs: fs.Args(),
		Restart: restart, Output: stderr,
	})
}

// readRestarts asks for a server restart at every line read, until the
// input ends (it lives as long as the process when the input is a
// terminal).
func readRestarts(in io.Reader, restart chan<- struct{}) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		select {
		case restart <- struct{}{}:
		default: // one is already waiting
		}
	}
}

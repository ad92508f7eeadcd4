// Command switchboard runs a Switchboard node (`switchboard serve`, the
// default) and its tools. Every flag can also be set from the environment:
// --some-flag is SWITCHBOARD_SOME_FLAG; a flag on the command line wins.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchboard:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand; with none, or with a flag first, it serves.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "export":
		return export(ctx, args, getenv, stdout, stderr)
	case "chat":
		return chat(ctx, args, getenv, os.Stdin, stdout, stderr)
	case "precompress":
		return precompress(args, stderr)
	case "bench":
		if len(args) > 0 && args[0] == "node" {
			return benchNode(ctx, args[1:], getenv, stdout, stderr)
		}
		return errors.New("the load bench is its own binary: switchboard-bench (make bench builds and runs it)")
	case "config":
		return configCmd(args, getenv, stdout, stderr)
	case "feed":
		return feed(ctx, args, getenv, os.Stdin, stdout, stderr)
	case "embed-demo":
		return embedDemo(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}

const usage = `usage: switchboard [command] [flags]

commands:
  serve         run a server (the default); see "switchboard serve -h"
  export        write the web app as static files talking to a server; see "switchboard export -h"
  chat          chat in a room from the terminal:
                switchboard chat --server ws://127.0.0.1:8080 --room lobby --name ann
  precompress   write FILE.br and FILE.gz next to FILE (used by make build)
  bench node    serve for switchboard-bench: serve's flags, no web app, limits lifted, --pprof
  config print  show the effective settings of serve (flags, environment, config file), secrets masked
  feed          publish points to a room's live chart: --demo simulates prices and weather
  embed-demo    serve a stand-in website with the chat widget (http://127.0.0.1:8000), to try it
                next to a server started with SWITCHBOARD_EMBED_ORIGINS=http://127.0.0.1:8000
  help          show this text
`

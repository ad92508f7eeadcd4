// Command switchboard-bench is Switchboard's load bench (make bench): it
// runs the load workloads against Switchboard (the switchboard binary
// beside it, as `switchboard bench node`) and, in the same run with the
// same load generator, against the peers, and times the web app in
// headless Chromium. It is a binary of its own so that the serving binary
// links neither the load generator nor the browser driver.
package main

import (
	"context"
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
		fmt.Fprintln(os.Stderr, "switchboard-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return bench(ctx, args, getenv, stdout, stderr)
}

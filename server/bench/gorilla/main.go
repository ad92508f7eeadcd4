// Command gorilla is the gorilla/websocket chat hub `switchboard-bench`
// compares Switchboard with, built the way gorilla's own examples/chat is:
// one hub goroutine per room (the URL's ?room=) that hands every text frame
// a client sends to each client's buffered send queue (the sender
// included), and per client a writer that writes one queued message and
// then everything else already queued into the same frame, joined with
// newlines, plus pings. No storage, no protocol: /ws accepts any
// subprotocol the client offers.
//
// It is its own Go module, outside the workspace, so gorilla/websocket
// never becomes a dependency of the server. Build it with
//
//	cd server/bench/gorilla && GOWORK=off go build -trimpath -o OUT .
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gorilla:", err)
		os.Exit(1)
	}
}

// run serves until ctx is cancelled, then closes every connection and
// waits for the hubs and the connections' goroutines to end.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gorilla", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	rooms := newRooms(ctx, log.New(stderr, "", log.LstdFlags))
	mux := http.NewServeMux()
	mux.Handle("GET /ws", rooms)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ready\n")) })
	srv := &http.Server{Handler: mux}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "gorilla is serving at http://%s/\n", ln.Addr())
	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	// Close stops the listener; the upgraded connections are the hubs' to
	// close, which they do as ctx ends.
	srv.Close()
	rooms.wait()
	return nil
}

// Command mount is a Go web program that serves Switchboard under /chat/ of
// its own mux, next to its own pages: the chat page, app.wasm, the socket
// and every other Switchboard route live under the prefix.
//
//	make build   # builds bin/web (app.wasm and static files)
//	go run ./examples/mount -web ../bin/web
//	# open http://127.0.0.1:8090/ and follow the link to the chat
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/switchboard-rt/switchboard/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	data := flag.String("data", "./data", "folder for Switchboard's data")
	webDir := flag.String("web", "web", "folder with app.wasm and Switchboard's static files")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *data, *webDir); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr, data, webDir string) error {
	chat, stopChat, err := server.NewHandler(ctx, server.Config{
		BasePath: "/chat", // the prefix the handler is mounted at below
		DataDir:  data,
		WebDir:   webDir,
	})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("/chat/", chat)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, homePage)
	})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		stopChat(context.Background())
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("serving at http://%s/ (chat at http://%s/chat/)\n", ln.Addr(), ln.Addr())

	select {
	case err = <-served:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(sctx) // stop taking requests, then stop the chat
	stopChat(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

const homePage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>My Go site</title></head>
<body>
<h1>My Go site</h1>
<p>This program serves its own pages and Switchboard under <a href="/chat/">/chat/</a>.</p>
</body>
</html>
`

// Command baseline is the bare WebSocket room broadcaster `switchboard
// bench` compares Switchboard with: no storage, no protocol, no features.
// /ws accepts any subprotocol the client offers, and every text frame a
// client sends is written to every connection in the room named by the
// URL's ?room= (the sender included), each connection with its own writer
// and a bounded queue, as coder/websocket's chat example does.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/coder/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	b := &broadcaster{rooms: make(map[string]map[*subscriber]struct{})}
	mux := http.NewServeMux()
	mux.Handle("GET /ws", b)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ready\n")) })
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	fmt.Printf("baseline is serving at http://%s/\n", ln.Addr())
	<-ctx.Done()
	srv.Close()
}

type subscriber struct{ msgs chan []byte }

type broadcaster struct {
	mu    sync.Mutex
	rooms map[string]map[*subscriber]struct{}
}

func (b *broadcaster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true}
	if p := r.Header.Get("Sec-WebSocket-Protocol"); p != "" {
		opts.Subprotocols = []string{p}
	}
	ws, err := websocket.Accept(w, r, opts)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	room := r.URL.Query().Get("room")
	s := &subscriber{msgs: make(chan []byte, 512)}
	b.mu.Lock()
	if b.rooms[room] == nil {
		b.rooms[room] = make(map[*subscriber]struct{})
	}
	b.rooms[room][s] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.rooms[room], s)
		b.mu.Unlock()
	}()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() { // the writer: ends when the reader cancels ctx
		for {
			select {
			case <-ctx.Done():
				return
			case msg := <-s.msgs:
				if ws.Write(ctx, websocket.MessageText, msg) != nil {
					cancel()
					return
				}
			}
		}
	}()
	for {
		typ, msg, err := ws.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		b.mu.Lock()
		for sub := range b.rooms[room] {
			select {
			case sub.msgs <- msg:
			default: // a slow subscriber loses frames rather than stalling the room
			}
		}
		b.mu.Unlock()
	}
}

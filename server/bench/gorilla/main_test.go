package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestRoom runs the hub in-process: it answers /readyz, accepts the
// subprotocol offered, relays every message to everyone in the room (the
// sender included) and to no other room, and on cancellation closes the
// connections and returns.
func TestRoom(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, pw, io.Discard) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	_, base, ok := strings.Cut(strings.TrimSpace(line), "serving at http://")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	base = strings.TrimSuffix(base, "/")
	resp, err := http.Get("http://" + base + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()

	d := websocket.Dialer{Subprotocols: []string{"switchboard.v1"}}
	dial := func(room string) *websocket.Conn {
		t.Helper()
		c, resp, err := d.Dial("ws://"+base+"/ws?room="+room, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "switchboard.v1" {
			t.Fatalf("subprotocol %q", got)
		}
		return c
	}
	read := func(c *websocket.Conn) []string {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(string(data), "\n")
	}
	// A connection is registered once its own message comes back: its
	// reader starts only after the hub has it.
	join := func(room, name string) *websocket.Conn {
		t.Helper()
		c := dial(room)
		if err := c.WriteMessage(websocket.TextMessage, []byte(name)); err != nil {
			t.Fatal(err)
		}
		if got := read(c); got[0] != name {
			t.Fatalf("%s got %q, want its own message", name, got)
		}
		return c
	}
	a := join("r", "a")
	b := join("r", "b")
	other := join("elsewhere", "other")
	if got := read(a); got[0] != "b" {
		t.Fatalf("a got %q, want b's arrival", got)
	}
	if err := a.WriteMessage(websocket.TextMessage, []byte("one\ntwo")); err != nil {
		t.Fatal(err)
	}
	if got := read(a); len(got) != 1 || got[0] != "one two" {
		t.Fatalf("sender got %q, want its message with the newline replaced", got)
	}
	if got := read(b); len(got) != 1 || got[0] != "one two" {
		t.Fatalf("member got %q", got)
	}
	for _, m := range []string{"3", "4", "5"} {
		b.WriteMessage(websocket.TextMessage, []byte(m))
	}
	var got []string
	for len(got) < 3 {
		got = append(got, read(a)...)
	}
	if strings.Join(got, ",") != "3,4,5" {
		t.Fatalf("got %q, want 3,4,5 in order (in one frame or several)", got)
	}
	other.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, data, err := other.ReadMessage(); err == nil {
		t.Fatalf("another room got %q", data)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
	// b still holds its own 3, 4, 5, then the close.
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := b.ReadMessage()
		if websocket.IsCloseError(err, websocket.CloseNoStatusReceived) {
			break
		}
		if err != nil {
			t.Fatalf("connection ended with %v, want the server's close", err)
		}
	}
}

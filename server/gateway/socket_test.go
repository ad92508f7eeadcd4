package gateway

import (
	"bytes"
	"io"
	"net"
	"testing"
)

// A socketWriter's turn keeps writes back and sends them, in order and
// whole, with the first write that does not fit and at release; outside a
// turn, writes go at once.
func TestSocketWriterTurn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	s := &socketWriter{nc: server}

	read := func(n int) []byte {
		t.Helper()
		got := make([]byte, n)
		if _, err := io.ReadFull(client, got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	write := func(p []byte) {
		t.Helper()
		if n, err := s.Write(p); err != nil || n != len(p) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}

	// Outside a turn: straight through.
	write([]byte("ping"))
	if got := read(4); string(got) != "ping" {
		t.Fatalf("read %q", got)
	}

	// A turn: small pieces, one larger than what is held, small ones again.
	var want []byte
	s.hold()
	for i, n := range []int{2, 254, 100, heldBytes + 1000, 7, 3 * heldBytes / 4, 300} {
		p := bytes.Repeat([]byte{byte('a' + i)}, n)
		want = append(want, p...)
		write(p)
	}
	if s.held == nil || len(*s.held) == 0 {
		t.Fatal("nothing kept back during the turn")
	}
	if err := s.release(); err != nil {
		t.Fatal(err)
	}
	if s.held != nil {
		t.Fatal("a held buffer is kept after the turn")
	}
	if got := read(len(want)); !bytes.Equal(got, want) {
		t.Fatal("the turn's bytes arrived changed or out of order")
	}

	// A release with nothing held, and one outside a turn, do nothing.
	s.hold()
	if err := s.release(); err != nil {
		t.Fatal(err)
	}
	if err := s.release(); err != nil {
		t.Fatal(err)
	}
	var nilWriter *socketWriter
	nilWriter.hold()
	if err := nilWriter.release(); err != nil {
		t.Fatal(err)
	}
}

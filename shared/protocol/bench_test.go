package protocol

import (
	"strings"
	"testing"
)

// BenchmarkDecodeCommand decodes and validates a typical send frame, the
// server's per-message input cost.
func BenchmarkDecodeCommand(b *testing.B) {
	frame := []byte(`{"type":"send","id":"3f9a1c2b7d4e-42","room":"lobby","text":"p1 1763729000123456789 the quick brown fox jumps over the lazy dog"}`)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeCommand(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeEvent encodes a message event, done once per stored event
// and shared by every member's connection.
func BenchmarkEncodeEvent(b *testing.B) {
	for _, size := range []int{64, 1000} {
		ev := Event{
			Type: EvMessage, Room: "lobby", Epoch: "k3j4h5g6f7d8", Offset: 123456,
			ID: "3f9a1c2b7d4e-42", User: &User{ID: "u-7f3a9c2e1b5d", Name: "ada"},
			Text: strings.Repeat("x", size), Time: 1763729000123,
		}
		b.Run(sizeName(size), func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				frame, err := ev.Encode()
				if err != nil {
					b.Fatal(err)
				}
				n = len(frame)
			}
			b.SetBytes(int64(n))
		})
	}
}

// BenchmarkDecodeEvent decodes a message event, the client's per-message cost.
func BenchmarkDecodeEvent(b *testing.B) {
	ev := Event{
		Type: EvMessage, Room: "lobby", Epoch: "k3j4h5g6f7d8", Offset: 123456,
		ID: "3f9a1c2b7d4e-42", User: &User{ID: "u-7f3a9c2e1b5d", Name: "ada"},
		Text: "p1 1763729000123456789 the quick brown fox jumps over the lazy dog", Time: 1763729000123,
	}
	frame, err := ev.Encode()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeEvent(frame); err != nil {
			b.Fatal(err)
		}
	}
}

func sizeName(n int) string {
	if n >= 1000 {
		return "text=1000B"
	}
	return "text=64B"
}

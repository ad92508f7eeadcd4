package protocol

import (
	"bytes"
	"strings"
	"testing"
)

func encodeTexts(t *testing.T, texts ...string) [][]byte {
	t.Helper()
	var frames [][]byte
	for _, s := range texts {
		ev := Event{Type: EvMessage, Room: "r", Text: s}
		f, err := ev.Encode()
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	return frames
}

func decodedTexts(t *testing.T, frame []byte) []string {
	t.Helper()
	ev, err := DecodeEvent(frame)
	if err != nil {
		t.Fatalf("decode %s: %v", frame, err)
	}
	events := []Event{ev}
	if ev.Type == EvBatch {
		events = ev.Events
	}
	var texts []string
	for _, e := range events {
		if e.Type == EvBatch {
			t.Fatalf("nested batch in %s", frame)
		}
		texts = append(texts, e.Text)
	}
	return texts
}

func TestAppendBatchSplicesBatchesInOrder(t *testing.T) {
	singles := encodeTexts(t, "a", "b", "c", "d")
	inner, n := AppendBatch(nil, singles[1:3], MaxBatchBytes)
	if n != 2 {
		t.Fatalf("took %d, want 2", n)
	}
	frame, n := AppendBatch(nil, [][]byte{singles[0], inner, singles[3]}, MaxBatchBytes)
	if n != 3 {
		t.Fatalf("took %d, want 3", n)
	}
	if got := decodedTexts(t, frame); strings.Join(got, " ") != "a b c d" {
		t.Fatalf("events %q, want a b c d in order", got)
	}
}

func TestAppendBatchAloneAndLimit(t *testing.T) {
	singles := encodeTexts(t, "one", "two", "three")
	frame, n := AppendBatch([]byte("x"), singles[:1], MaxBatchBytes)
	if n != 1 || !bytes.Equal(frame[1:], singles[0]) {
		t.Fatalf("one frame: took %d, got %s", n, frame)
	}
	// A limit that holds two events but not three.
	limit := len(BatchPrefix) + len(singles[0]) + 1 + len(singles[1]) + len(BatchSuffix)
	frame, n = AppendBatch(nil, singles, limit)
	if n != 2 || len(frame) > limit {
		t.Fatalf("took %d (%d bytes), want 2 within %d", n, len(frame), limit)
	}
	// A limit smaller than the first event still takes it.
	if _, n = AppendBatch(nil, singles, 1); n != 1 {
		t.Fatalf("took %d under a tiny limit, want 1", n)
	}
	if _, n = AppendBatch(nil, nil, MaxBatchBytes); n != 0 {
		t.Fatalf("took %d of nothing", n)
	}
}

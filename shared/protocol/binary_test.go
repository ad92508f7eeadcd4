package protocol

import (
	"reflect"
	"testing"
)

func TestBinaryCursorFrames(t *testing.T) {
	cmd, err := DecodeBinaryCommand(EncodeCursorUpdate("board", 0.25, 1))
	if err != nil || cmd.Type != CmdCursor || cmd.Room != "board" || cmd.X != 0.25 || cmd.Y != 1 {
		t.Fatalf("cursor update round trip: %+v, %v", cmd, err)
	}
	for name, frame := range map[string][]byte{
		"empty":        {},
		"other kind":   {0x7f, 1, 'r', 0, 0, 0, 0},
		"batch kind":   EncodeCursorBatch(&Event{Room: "r"}),
		"short":        EncodeCursorUpdate("board", 0.5, 0.5)[:7],
		"trailing":     append(EncodeCursorUpdate("board", 0.5, 0.5), 0),
		"bad room":     EncodeCursorUpdate("a b", 0.5, 0.5),
		"room too big": {0x01, 200, 'r'},
	} {
		if _, err := DecodeBinaryCommand(frame); err == nil {
			t.Errorf("%s: decoded %x", name, frame)
		}
	}
	ev := Event{Type: EvCursors, Room: "board", Cursors: []Cursor{
		{User: "u1", Name: "ann", X: 0.1234, Y: 0.5},
		{User: "u2", Gone: true},
	}}
	got, err2 := DecodeBinaryEvent(EncodeCursorBatch(&ev))
	if err2 != nil || !reflect.DeepEqual(got, ev) {
		t.Fatalf("batch round trip: %+v, %v; want %+v", got, err2, ev)
	}
	if len(EncodeCursorBatch(&ev)) >= len(mustEncode(t, &ev)) {
		t.Error("the binary batch is not smaller than the JSON one")
	}
}

func mustEncode(t *testing.T, ev *Event) []byte {
	b, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecodeBinary checks that no binary frame crashes either decoder and
// that what decodes survives re-encoding.
func FuzzDecodeBinary(f *testing.F) {
	f.Add(EncodeCursorUpdate("board", 0.3, 0.7))
	f.Add(EncodeCursorBatch(&Event{Room: "r", Cursors: []Cursor{{User: "u", Name: "n", X: 1}}}))
	f.Add([]byte{0x02, 0, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		if cmd, err := DecodeBinaryCommand(data); err == nil {
			if again, _ := DecodeBinaryCommand(EncodeCursorUpdate(cmd.Room, cmd.X, cmd.Y)); !reflect.DeepEqual(again, cmd) {
				t.Fatalf("update %+v re-decodes as %+v", cmd, again)
			}
		}
		if ev, err := DecodeBinaryEvent(data); err == nil {
			if again, _ := DecodeBinaryEvent(EncodeCursorBatch(&ev)); !reflect.DeepEqual(again, ev) {
				t.Fatalf("batch %+v re-decodes as %+v", ev, again)
			}
		}
	})
}

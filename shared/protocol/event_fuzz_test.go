package protocol

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzDecodeEvent checks the client's decoder of server frames: no input
// crashes it, what it accepts has a type, re-encodes, and decodes again to
// the same value (up to empty lists, which encode as absent), and a batch
// frame built the server's way (BatchPrefix, member frames joined by
// commas, BatchSuffix) decodes to its members in order.
func FuzzDecodeEvent(f *testing.F) {
	u := &User{ID: "u1", Name: "Ann", Role: RoleModerator}
	for _, ev := range []Event{
		{Type: EvWelcome, Ref: "1", User: u, Session: "p.s", Boot: "b"},
		{Type: EvJoined, Room: "r", Epoch: "e", Offset: 3, Recovered: true, Members: []User{*u}, Count: 1,
			Events: []Event{{Type: EvMessage, Room: "r", Epoch: "e", Offset: 3, ID: "x", User: u, Text: "hi", Time: 1}}},
		{Type: EvPresence, Room: "r", Joined: []User{*u}, Left: []User{{ID: "u2", Name: "Bo"}}, Count: 1},
		{Type: EvMessage, Room: "r", Offset: 1, User: u, Text: "file", Attachment: &Attachment{ID: "a", Name: "a.png", Size: 3, Type: "image/png"}},
		{Type: EvHistory, Room: "r", More: true},
		{Type: EvEdit, Room: "r", Target: 2, User: u, Text: "new"},
		{Type: EvRooms, Rooms: []RoomInfo{{Name: "r", Online: 2}}},
		{Type: EvClosing, Code: CloseTryAgainLater, Text: "full"},
		{Type: EvError, Ref: "7", Error: &Error{Code: CodeNameTaken, Message: "taken", Suggestion: "Ann2"}},
		{Type: EvKicked, Room: "r", Text: "spam", Time: 5},
		{Type: "points", Room: "r", Points: []Point{{Series: "BTC", Value: -1.5e-7, Unit: "USD", Time: 1}}},
		{Type: "cursors", Room: "r", Cursors: []Cursor{{User: "u", Name: "n", X: 0.25, Y: 1, Gone: true}}},
	} {
		data, err := ev.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"type":"batch","events":[{"type":"pong","ref":"p"},{"type":"typing","room":"r","user":{"id":"u","name":"n"}}]}`,
		`{"type":"pong","members":[],"user":null,"error":{},"future":{"x":[1,2]}}`,
		`{"type":"message","text":"\ud800 \u0000 <&>","TYPE":"ack","offset":18446744073709551615}`,
		`{"type":"points","points":[{"value":-0},{"value":1e308}]}`,
		`{"type":""}`, `{}`, `[]`, `null`, `"pong"`, `{"type":"pong"} {}`, "{\"type\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeEvent(data)
		if err != nil {
			return
		}
		if ev.Type == "" {
			t.Fatalf("accepted %q with no type", data)
		}
		enc, err := ev.Encode()
		if err != nil {
			t.Fatalf("accepted %q but cannot encode %+v: %v", data, ev, err)
		}
		again, err := DecodeEvent(enc)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		if want := withoutEmptyLists(ev); !reflect.DeepEqual(again, want) {
			t.Fatalf("%q decodes as %+v, re-decodes from %s as %+v", data, want, enc, again)
		}
		if enc2, _ := again.Encode(); !bytes.Equal(enc2, enc) {
			t.Fatalf("encoding is not stable: %s then %s", enc, enc2)
		}

		batch := append(append(append(append(bytes.Clone(BatchPrefix), enc...), ','), enc...), BatchSuffix...)
		b, err := DecodeEvent(batch)
		if err != nil || b.Type != EvBatch || len(b.Events) != 2 ||
			!reflect.DeepEqual(b.Events[0], again) || !reflect.DeepEqual(b.Events[1], again) {
			t.Fatalf("batch %s decodes as %+v, %v", batch, b, err)
		}
	})
}

// withoutEmptyLists returns ev with every empty (non-nil) slice, at any
// depth, set to nil: what an event becomes after encoding, where every list
// is omitempty.
func withoutEmptyLists(ev Event) Event {
	v := reflect.ValueOf(&ev).Elem()
	nilEmpty(v)
	return ev
}

func nilEmpty(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			nilEmpty(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				nilEmpty(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		for i := range v.Len() {
			nilEmpty(v.Index(i))
		}
	}
}

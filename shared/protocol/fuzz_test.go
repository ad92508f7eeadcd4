package protocol

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeCommand checks that no input crashes the decoder, that every
// rejection is typed, and that an accepted command survives re-encoding.
func FuzzDecodeCommand(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","id":"1","name":"ann"}`,
		`{"type":"send","id":"x","room":"lobby","text":"hi\nthere"}`,
		`{"type":"join","id":"j","room":"r","epoch":"e","offset":3}`,
		`{"type":"history","id":"h","room":"r","limit":5}`,
		`{"type":"points","id":"pt","room":"r","points":[{"series":"BTC","value":1.5,"unit":"USD","ts":1}]}`,
		`{"type":"feed","id":"f","room":"r","epoch":"e","offset":2}`,
		`{"type":"cursor","id":"c","room":"r","x":0.5,"y":0.25}`,
		`{"type":"ping","id":"p"}`, `{}`, `[]`, `null`, "\xff", `{"type":"send","id":"x","room":"r","text":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cmd, err := DecodeCommand(data)
		if err != nil {
			var perr *Error
			if !errors.Is(err, ErrInvalidUTF8) && !errors.As(err, &perr) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			if errors.Is(err, ErrInvalidUTF8) && utf8.Valid(data) {
				t.Fatal("valid UTF-8 reported as invalid")
			}
			if cmd.ID != "" && ValidateID(cmd.ID) != nil {
				t.Fatalf("error carries a malformed id %q", cmd.ID)
			}
			return
		}
		again, err := cmd.Encode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeCommand(again)
		if err != nil || !reflect.DeepEqual(back, cmd) {
			t.Fatalf("re-decoding %s: %+v, %v; want %+v", again, back, err, cmd)
		}
	})
}

package protocol

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestDecodeCounterAction(t *testing.T) {
	for _, tc := range []struct {
		in    string
		delta int64 // 0: refused
	}{
		{`{"action":"plus"}`, 1},
		{`{"action":"minus"}`, -1},
		{` {"action":"plus"} `, 1},
		{`{"action":"PLUS"}`, 0},
		{`{"action":"times"}`, 0},
		{`{"action":"plus","by":2}`, 0},
		{`{"action":"plus"}{"action":"plus"}`, 0},
		{`{}`, 0},
		{`[]`, 0},
		{`plus`, 0},
		{``, 0},
	} {
		a, err := DecodeCounterAction([]byte(tc.in))
		switch {
		case tc.delta == 0 && err == nil:
			t.Errorf("%q: accepted", tc.in)
		case tc.delta != 0 && (err != nil || a.Delta() != tc.delta):
			t.Errorf("%q: %+v %v, want delta %d", tc.in, a, err, tc.delta)
		}
		var perr *Error
		if err != nil && (!errors.As(err, &perr) || perr.Code != CodeBadRequest || perr.Message == "") {
			t.Errorf("%q: error %v is not a bad_request with a message", tc.in, err)
		}
	}
	if _, err := DecodeCounterAction([]byte("\xff")); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

// Each event carries exactly its type's field, a zero included.
func TestCounterEventJSON(t *testing.T) {
	for ev, want := range map[CounterEvent]string{
		{Type: CounterState, Value: 0}:         `{"type":"state","value":0}`,
		{Type: CounterState, Value: -12}:       `{"type":"state","value":-12}`,
		{Type: CounterUsers, Count: 0}:         `{"type":"users","count":0}`,
		{Type: CounterError, Message: `"<x>"`}: `{"type":"error","message":"\"\u003cx\u003e\""}`,
	} {
		got, err := json.Marshal(ev)
		if err != nil || string(got) != want {
			t.Errorf("%+v: %s %v, want %s", ev, got, err, want)
		}
		var back CounterEvent
		if err := json.Unmarshal(got, &back); err != nil || back != ev {
			t.Errorf("%s decodes to %+v %v", got, back, err)
		}
	}
}

func FuzzDecodeCounterAction(f *testing.F) {
	for _, s := range []string{`{"action":"plus"}`, `{"action":"minus"}`, `{}`, `[`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeCounterAction(data)
		if err == nil && a.Action != CounterPlus && a.Action != CounterMinus {
			t.Fatalf("accepted action %q", a.Action)
		}
	})
}

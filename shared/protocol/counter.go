package protocol

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The shared counter endpoint (/counter/{name}) speaks the JSON of the
// classic WebSocket synchronisation demo, not the protocol's frames, so
// existing demo pages work unchanged:
//
//	client → server   {"action":"plus"}   {"action":"minus"}
//	server → client   {"type":"state","value":N}   the value, on connect and after every change
//	                  {"type":"users","count":N}   connected clients, whenever it changes
//	                  {"type":"error","message":"…"} a frame that was not an action
//
// No subprotocol is negotiated. Counter names follow the room-name rules
// (ValidateRoom).

// CounterActionType is what a counter client asks for.
type CounterActionType string

// The counter actions.
const (
	CounterPlus  CounterActionType = "plus"
	CounterMinus CounterActionType = "minus"
)

// DefaultCounter is the counter of the bare /counter path.
const DefaultCounter = "default"

// CounterAction is a frame a counter client sends.
type CounterAction struct {
	Action CounterActionType `json:"action"`
}

// Delta is how much the action changes the value: +1 or -1.
func (a CounterAction) Delta() int64 {
	if a.Action == CounterMinus {
		return -1
	}
	return 1
}

// DecodeCounterAction parses one counter frame strictly: valid UTF-8, one
// JSON object (as DecodeStrict takes it) with only "action", which is
// "plus" or "minus". The error
// says what is wrong, for the error event.
func DecodeCounterAction(data []byte) (CounterAction, error) {
	var a CounterAction
	if !utf8.Valid(data) {
		return a, ErrInvalidUTF8
	}
	if err := DecodeStrict(data, &a); err != nil {
		return a, Errorf(CodeBadRequest, `send {"action":"plus"} or {"action":"minus"}: %s`, truncate(err.Error(), 120))
	}
	switch a.Action {
	case CounterPlus, CounterMinus:
		return a, nil
	}
	return a, Errorf(CodeBadRequest, `unknown action %q: send "plus" or "minus"`, truncate(string(a.Action), 32))
}

// CounterEventType names a frame a counter client receives.
type CounterEventType string

// The counter events.
const (
	CounterState CounterEventType = "state"
	CounterUsers CounterEventType = "users"
	CounterError CounterEventType = "error"
)

// CounterEvent is a frame a counter client receives. Its JSON holds only
// the fields of its type: state has value, users has count, error has
// message (a zero value or count is still written).
type CounterEvent struct {
	Type    CounterEventType `json:"type"`
	Value   int64            `json:"value"`
	Count   int              `json:"count"`
	Message string           `json:"message"`
}

// MarshalJSON writes the type and the field that type carries.
func (e CounterEvent) MarshalJSON() ([]byte, error) {
	b := []byte(`{"type":`)
	b = strconv.AppendQuote(b, string(e.Type))
	switch e.Type {
	case CounterState:
		b = append(b, `,"value":`...)
		b = strconv.AppendInt(b, e.Value, 10)
	case CounterUsers:
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(e.Count), 10)
	case CounterError:
		msg, err := json.Marshal(e.Message)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"message":`...)
		b = append(b, msg...)
	}
	return append(b, '}'), nil
}

// Encode returns the event's frame.
func (e CounterEvent) Encode() ([]byte, error) { return e.MarshalJSON() }

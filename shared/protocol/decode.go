package protocol

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// ErrInvalidUTF8 is returned by DecodeCommand for a frame that is not valid
// UTF-8. The server closes such a connection with CloseInvalidData: the
// WebSocket library does not check text frames, and relaying one to browsers
// would make them drop their connection.
var ErrInvalidUTF8 = errors.New("frame is not valid UTF-8")

// DecodeCommand parses one client frame strictly: it must be valid UTF-8, at
// most MaxFrameBytes long, a single JSON object as DecodeStrict takes it (no
// duplicate or unknown members, no trailing data), and it must pass
// Validate. The error is ErrInvalidUTF8 or a
// *Error whose Code says what is wrong; a decoded frame's ID is returned even
// when validation fails, so the error can name the command that caused it.
func DecodeCommand(data []byte) (Command, error) {
	var c Command
	if len(data) > MaxFrameBytes {
		return c, Errorf(CodeBadRequest, "frame is larger than %d bytes", MaxFrameBytes)
	}
	if !utf8.Valid(data) {
		return c, ErrInvalidUTF8
	}
	if err := DecodeStrict(data, &c); err != nil {
		return Command{ID: idOrEmpty(c.ID)}, Errorf(CodeBadRequest, "frame is not a valid command: %s", truncate(err.Error(), 120))
	}
	if err := c.Validate(); err != nil {
		c.ID = idOrEmpty(c.ID)
		return c, err
	}
	return c, nil
}

// idOrEmpty keeps a decoded id only if it is well formed, so an error frame
// never echoes arbitrary client bytes.
func idOrEmpty(id string) string {
	if ValidateID(id) != nil {
		return ""
	}
	return id
}

// Encode returns the JSON encoding of e, as sent on the wire.
func (e *Event) Encode() ([]byte, error) { return json.Marshal(e) }

// DecodeEvent parses one server frame. Clients are lenient about fields they
// do not know, so a newer server can add fields without breaking them.
func DecodeEvent(data []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(data, &e); err != nil {
		return e, err
	}
	if e.Type == "" {
		return e, errors.New("event has no type")
	}
	return e, nil
}

// Batch prefix and suffix: a batch frame is these around the member
// frames joined by commas, so the server builds it from already-encoded
// events without encoding them again.
var (
	BatchPrefix = []byte(`{"type":"batch","events":[`)
	BatchSuffix = []byte(`]}`)
)

// Encode returns the JSON encoding of c, as sent on the wire.
func (c *Command) Encode() ([]byte, error) { return json.Marshal(c) }

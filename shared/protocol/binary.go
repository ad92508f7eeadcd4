package protocol

import (
	"encoding/binary"
	"errors"
	"math"
)

// Binary frames. Protocol v1 is JSON text frames, except where binary
// frames are documented here: cursor traffic, the one kind of message
// sent many times a second. A binary frame starts with its kind byte (text
// frames are JSON objects and always start with '{'); any other binary
// frame is refused with bad_request.
//
//	cursor update (client → server), kind 0x01, the binary form of CmdCursor:
//	  0x01 | room length (1 byte) | room | x (uint16, big endian) | y (uint16)
//	cursors batch (server → client), kind 0x02, the binary form of EvCursors,
//	sent only to connections whose hello asked for it (Binary):
//	  0x02 | room length (1) | room | count (uint16) |
//	  count × { flags (1: bit 0 gone) | user length (1) | user | name length (1) | name | x (uint16) | y (uint16) }
//
// Positions are fractions of the board scaled to 0..65535.

// Binary frame kinds.
const (
	BinaryCursor  byte = 0x01
	BinaryCursors byte = 0x02
)

// ErrBinaryFrame means a binary frame is malformed or of a kind the
// receiver does not take.
var ErrBinaryFrame = errors.New("malformed binary frame")

func scale(v float64) uint16 { return uint16(math.Round(math.Max(0, math.Min(1, v)) * 65535)) }

func unscale(v uint16) float64 { return math.Round(float64(v)/65535*1e4) / 1e4 }

// EncodeCursorUpdate returns the binary form of a cursor command.
func EncodeCursorUpdate(room string, x, y float64) []byte {
	b := make([]byte, 0, 6+len(room))
	b = append(b, BinaryCursor, byte(len(room)))
	b = append(b, room...)
	b = binary.BigEndian.AppendUint16(b, scale(x))
	return binary.BigEndian.AppendUint16(b, scale(y))
}

// DecodeBinaryCommand parses a client's binary frame into the command it
// stands for (a cursor update, with no id: it has no answer). The error is
// a *Error with CodeBadRequest, or with the room's code for a bad room.
func DecodeBinaryCommand(data []byte) (Command, *Error) {
	if len(data) == 0 || data[0] != BinaryCursor {
		return Command{}, Errorf(CodeBadRequest, "binary frames carry only cursor updates (kind %d); send other commands as JSON text", BinaryCursor)
	}
	r := reader{data: data[1:]}
	room := r.str()
	x, y := r.u16(), r.u16()
	if r.bad || len(r.data) != 0 {
		return Command{}, Errorf(CodeBadRequest, "malformed binary cursor update")
	}
	if err := ValidateRoom(room); err != nil {
		return Command{}, err
	}
	return Command{Type: CmdCursor, Room: room, X: unscale(x), Y: unscale(y)}, nil
}

// EncodeCursorBatch returns the binary form of a cursors event. Names and
// ids longer than 255 bytes cannot occur (protocol limits); a batch holds
// at most 65,535 cursors.
func EncodeCursorBatch(ev *Event) []byte {
	b := make([]byte, 0, 4+len(ev.Room)+len(ev.Cursors)*32)
	b = append(b, BinaryCursors, byte(len(ev.Room)))
	b = append(b, ev.Room...)
	n := min(len(ev.Cursors), math.MaxUint16)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	for _, c := range ev.Cursors[:n] {
		var flags byte
		if c.Gone {
			flags |= 1
		}
		b = append(b, flags, byte(len(c.User)))
		b = append(b, c.User...)
		b = append(b, byte(len(c.Name)))
		b = append(b, c.Name...)
		b = binary.BigEndian.AppendUint16(b, scale(c.X))
		b = binary.BigEndian.AppendUint16(b, scale(c.Y))
	}
	return b
}

// DecodeBinaryEvent parses a server's binary frame: a cursors batch.
func DecodeBinaryEvent(data []byte) (Event, error) {
	if len(data) == 0 || data[0] != BinaryCursors {
		return Event{}, ErrBinaryFrame
	}
	r := reader{data: data[1:]}
	ev := Event{Type: EvCursors, Room: r.str()}
	n := int(r.u16())
	for i := 0; i < n && !r.bad; i++ {
		flags := r.byte()
		c := Cursor{User: r.str(), Name: r.str(), X: unscale(r.u16()), Y: unscale(r.u16()), Gone: flags&1 != 0}
		ev.Cursors = append(ev.Cursors, c)
	}
	if r.bad || len(r.data) != 0 {
		return Event{}, ErrBinaryFrame
	}
	return ev, nil
}

// reader reads a binary frame; bad is set once it runs short.
type reader struct {
	data []byte
	bad  bool
}

func (r *reader) byte() byte {
	if len(r.data) < 1 {
		r.bad = true
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

func (r *reader) u16() uint16 {
	if len(r.data) < 2 {
		r.bad = true
		r.data = nil
		return 0
	}
	v := binary.BigEndian.Uint16(r.data)
	r.data = r.data[2:]
	return v
}

func (r *reader) str() string {
	n := int(r.byte())
	if len(r.data) < n {
		r.bad = true
		r.data = nil
		return ""
	}
	s := string(r.data[:n])
	r.data = r.data[n:]
	return s
}

package protocol

import "time"

// Live cursors: where each person's pointer is over a room's shared board.
// Positions are ephemeral: never stored, relayed between nodes without
// JetStream, and gone when the person leaves the room.
//
// A client sends CmdCursor at most CursorsPerSecond times a second (the
// server keeps an update over the rate as the pending position, latest
// wins, and relays it at the next allowance). The server keeps only
// the latest position of each person and sends each member at most one
// EvCursors batch per tick (CursorTick by default), holding the people who
// moved since the last one, and a Gone entry for each who left the room.

// The cursor command and event.
const (
	// CmdCursor says the person's pointer is at (X, Y) on Room's board, in
	// fractions of its width and height (0 to 1, from the top left). The
	// connection must have joined the room. No answer.
	CmdCursor CommandType = "cursor"
	// EvCursors is a batch of cursor positions in Room (Cursors): the
	// latest of each person who moved since the last batch, and those who
	// left (Gone). Never stored.
	EvCursors EventType = "cursors"
)

// Cursor is one person's pointer on a room's board.
type Cursor struct {
	// User and Name are the person's id and nickname.
	User string `json:"user"`
	Name string `json:"name,omitempty"`
	// X and Y are fractions of the board's width and height, 0 to 1,
	// rounded to 1/10,000.
	X float64 `json:"x"`
	Y float64 `json:"y"`
	// Gone is true when the person left the room: drop their cursor.
	Gone bool `json:"gone,omitempty"`
}

// Cursor timing: what a client should send and the server's default tick.
const (
	// CursorsPerSecond is the most cursor updates a client sends per
	// second per room; the server drops what comes faster.
	CursorsPerSecond = 20
	// CursorTick is the default interval at which a server sends each
	// member the latest positions.
	CursorTick = 50 * time.Millisecond
)

// validateCursor checks a cursor command's position.
func (c *Command) validateCursor() *Error {
	if c.X < 0 || c.X > 1 || c.Y < 0 || c.Y > 1 {
		return Errorf(CodeBadRequest, "cursor x and y are fractions of the board, 0 to 1")
	}
	return nil
}

package protocol

// Limits every frame obeys. Both sides enforce them: the browser before it
// sends, the server when it receives. The server may lower (never raise) the
// frame size with its --max-frame-bytes setting.
const (
	// MaxFrameBytes is the largest frame, in bytes, a peer may send (16 KiB).
	MaxFrameBytes = 16 << 10
	// MaxTextRunes is the longest message text, in characters.
	MaxTextRunes = 4000
	// MaxNameRunes is the longest nickname, in characters, after trimming.
	MaxNameRunes = 32
	// MaxRoomLen is the longest room name, in bytes (room names are ASCII).
	MaxRoomLen = 64
	// MaxIDLen is the longest command id a client may choose.
	MaxIDLen = 64
	// MaxSessionLen is the longest session token a client may present.
	MaxSessionLen = 512
	// MaxTokenLen is the longest JWT a client may present.
	MaxTokenLen = 4096
	// MaxBanSeconds is the longest ban (one year).
	MaxBanSeconds = 365 * 24 * 3600
	// MaxReactionBytes is the longest reaction, in bytes: one emoji with
	// its modifiers and joiners (a family or a flag takes up to 28).
	MaxReactionBytes = 32
	// MaxPageBytes is the longest page address a visitor's message may
	// carry.
	MaxPageBytes = 512
	// MaxHistoryPage is the largest page of history one request may ask for.
	MaxHistoryPage = 200
)

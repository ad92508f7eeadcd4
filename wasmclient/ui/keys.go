package ui

import "github.com/switchboard-rt/switchboard/wasmclient/shell"

// Paths, storage keys, element ids and action names, in one place. The
// element ids are part of the page's contract with the stylesheet and with
// browser tests; the accessible names (labels) live next to the elements.

// Routes: the pages' addresses are package shell's, which the server
// serves them by.
const (
	pathHome       = shell.PathHome
	roomPattern    = shell.RoomPattern
	roomPrefix     = shell.RoomPrefix
	embedPattern   = shell.EmbedPattern
	embedPrefix    = shell.EmbedPrefix
	counterPattern = shell.CounterPattern
	counterPrefix  = shell.CounterPrefix
	pathAdmin      = shell.PathAdmin
	pathInbox      = shell.PathInbox
	// PathNotFound is the page the server answers an unknown address with
	// (status 404), the address in its from parameter.
	PathNotFound = shell.PathNotFound
	// wsPath is the server's WebSocket endpoint, relative to the page.
	wsPath = "/ws"
	// counterPath is the server's endpoint for a shared counter.
	counterPath = "/counter/"
)

// Local storage keys.
const (
	// keyIdentity holds the nickname and the session token of the welcome
	// that came with it (an identity value).
	keyIdentity = "switchboard/identity"
	// keyOutboxPrefix + room holds the room's unacknowledged commands
	// (see outboxStore).
	keyOutboxPrefix = "switchboard/outbox/"
	// keyRecentPrefix + room holds the room's last messages as shown (a
	// history event; see saveRecent).
	keyRecentPrefix = "switchboard/recent/"
	// keyToken holds a site's JWT (a plain string). When set, the room page
	// signs in with it: the person's name and role come from the token.
	keyToken = "switchboard/token"
	// keyBoardPrefix + room holds whether the person opened the room's
	// shared board (a bool; closed when absent).
	keyBoardPrefix = "switchboard/board/"
	// keyRoomList holds the person's room list: each room with its read
	// position and unread counts (roomList).
	keyRoomList = "switchboard/rooms"
	// keyPageStatePrefix + room holds, in session storage, the room page's
	// draft and scroll position through a reload (pageState).
	keyPageStatePrefix = "switchboard/page/"
)

// Element ids.
const (
	idNickname      = "sb-nickname"
	idNicknameError = "sb-nickname-error"
	idRoom          = "sb-room"
	idRoomError     = "sb-room-error"
	idMessages      = "sb-messages"
	idScroll        = "sb-scroll"
	idComposer      = "sb-message"
	idComposerError = "sb-message-error"
	idCounter       = "sb-message-counter"
	idStatus        = "sb-status"
	idOnlineHeading = "sb-online-heading"
	idTyping        = "sb-typing"
	idEditing       = "sb-editing"
	idConfirmDelete = "sb-confirm-delete"
	idPicker        = "sb-picker"
	idReplying      = "sb-replying"
	idInboxToken    = "sb-inbox-token"
	idInboxTokenErr = "sb-inbox-token-error"
	idRoomsHeading  = "sb-rooms-heading"
	idModReason     = "sb-mod-reason"
	idModConfirm    = "sb-mod-confirm"
	idRemoved       = "sb-removed"
	idCounterValue  = "sb-counter-value"
	idFeed          = "sb-feed"
	idBoard         = "sb-board"
	idBoardPanel    = "sb-board-panel"
	idBoardHint     = "sb-board-hint"
	idFileInput     = "sb-file"
)

// Action names (app.NewAction / ctx.Handle).
const (
	// actionJoin is posted by the nickname form once it has stored the
	// nickname; its value is a joinRequest. The home page handles it by
	// opening the room, a room page waiting for a nickname by connecting.
	actionJoin = "switchboard/join"
	// actionCursors passes a cursors event (protocol.Event) from the room
	// page to its board; an event without cursors clears the board.
	actionCursors = "switchboard/cursors"
	// actionCursorMove is posted by the board when the person's pointer
	// moved (a cursorMove); the room page sends it.
	actionCursorMove = "switchboard/cursor-move"
)

// The admin dashboard's storage key and element ids.
const (
	// keyAdminToken holds the admin token typed on the dashboard, in
	// session storage (gone when the browser closes).
	keyAdminToken    = "switchboard/admin-token"
	idAdminToken     = "sb-admin-token"
	idAdminTokenHint = "sb-admin-token-hint"
	idAdminStatus    = "sb-admin-status"
	idAdminNotice    = "sb-admin-notice"
	idAdminReason    = "sb-admin-reason"
	idAdminRoom      = "sb-admin-room"
)

package ui

// Paths, storage keys, element ids and action names, in one place. The
// element ids are part of the page's contract with the stylesheet and with
// browser tests; the accessible names (labels) live next to the elements.

// Routes.
const (
	pathHome = "/"
	// roomPattern matches a room page; the room name rules are those of
	// protocol.ValidateRoom.
	roomPattern = `^/r/[A-Za-z0-9_-]{1,64}$`
	roomPrefix  = "/r/"
	// embedPattern matches the compact room page the embed loader frames.
	embedPattern = `^/embed/[A-Za-z0-9_-]{1,64}$`
	embedPrefix  = "/embed/"
	// wsPath is the server's WebSocket endpoint, relative to the page.
	wsPath = "/ws"
	// counterPattern matches a shared counter's page (counter names follow
	// the room-name rules); counterPath is the server's endpoint for it.
	counterPattern = `^/c/[A-Za-z0-9_-]{1,64}$`
	counterPrefix  = "/c/"
	counterPath    = "/counter/"
	// PathNotFound is the page the server answers an unknown address with
	// (status 404), the address in its from parameter.
	PathNotFound = "/not-found"
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

// The admin dashboard's path, storage key and element ids.
const (
	pathAdmin = "/admin"
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

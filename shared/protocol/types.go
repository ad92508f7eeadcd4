package protocol

import "time"

// CommandType names a client-to-server frame.
type CommandType string

// The commands of protocol v1.
const (
	// CmdHello must be the first frame: it names the person (Name) and may
	// present the session token (Session) a previous welcome handed out.
	// Without a Name the connection only observes (rooms, ping) until it
	// says hello again with one.
	CmdHello CommandType = "hello"
	// CmdJoin enters Room. With Epoch and Offset set it asks to resume after
	// that position; otherwise the server sends the room's recent history.
	CmdJoin CommandType = "join"
	// CmdLeave leaves Room.
	CmdLeave CommandType = "leave"
	// CmdSend posts Text to Room. ID makes the send idempotent: a retry with the
	// same ID is stored once and acknowledged with the same offset. With
	// Target set the message is a reply to the message at that offset.
	CmdSend CommandType = "send"
	// CmdHistory asks for up to Limit stored events of Room before Offset.
	CmdHistory CommandType = "history"
	// CmdTyping says the person is typing in Room. Never stored; the server
	// relays at most one per TypingInterval per person.
	CmdTyping CommandType = "typing"
	// CmdEdit replaces the text of the person's own message Target in Room
	// (within the server's edit window).
	CmdEdit CommandType = "edit"
	// CmdDelete deletes the person's own message Target in Room.
	CmdDelete CommandType = "delete"
	// CmdReact adds the person's reaction Text (one emoji, see
	// ValidateReaction) to message Target in Room; CmdUnreact takes it
	// back. Both are stored (EvReact, EvUnreact): a reaction that is
	// there already, or one taken back that was not, changes nothing.
	CmdReact   CommandType = "react"
	CmdUnreact CommandType = "unreact"
	// CmdResolve marks the support conversation Room resolved; CmdReopen
	// opens it again (a visitor's new message does too). Agents only;
	// stored in AgentsInbox (EvResolved, EvReopened).
	CmdResolve CommandType = "resolve"
	CmdReopen  CommandType = "reopen"
	// CmdRooms asks for the list of active rooms and their online counts,
	// and for updates (EvRooms) while the connection stays open.
	CmdRooms CommandType = "rooms"
	// CmdRefresh replaces the connection's token (Token) with a newer one
	// for the same person, before the old one expires.
	CmdRefresh CommandType = "refresh"
	// CmdKick removes person User from Room, with a reason (Text) shown to
	// them. Moderators only.
	CmdKick CommandType = "kick"
	// CmdBan kicks person User from Room and keeps them out for Seconds.
	// Moderators only; bans hold across nodes and restarts.
	CmdBan CommandType = "ban"
	// CmdPrivate declares Room private: from then on only people whose
	// token names it may join. Admins only; held across nodes and restarts.
	CmdPrivate CommandType = "private"
	// CmdPublic undoes CmdPrivate (rooms private by the server's settings
	// stay private).
	CmdPublic CommandType = "public"
	// CmdPing asks for a pong. Browsers cannot send WebSocket pings, so the
	// client's liveness check is this protocol-level ping.
	CmdPing CommandType = "ping"
)

// Command is a frame a client sends. One struct serves every command type;
// Validate checks that exactly the fields the type needs are present and well
// formed. Decode rejects fields this struct does not have.
type Command struct {
	Type CommandType `json:"type"`
	// ID is chosen by the client and echoed as Ref in the answer. Required.
	ID string `json:"id"`
	// Room is the room the command is about (join, leave, send, history).
	Room string `json:"room,omitempty"`
	// Name is the nickname (hello).
	Name string `json:"name,omitempty"`
	// Session is the signed session token from an earlier welcome (hello).
	Session string `json:"session,omitempty"`
	// Token is a JWT from the site the person signed in to (hello, refresh).
	Token string `json:"token,omitempty"`
	// User is the id of the person a kick or ban is about.
	User string `json:"user,omitempty"`
	// Seconds is how long a ban lasts.
	Seconds int `json:"seconds,omitempty"`
	// Text is the message text (send).
	Text string `json:"text,omitempty"`
	// Epoch and Offset are a room position: the last event the client has
	// (join, to resume) or the first event it does not want (history).
	Epoch  string `json:"epoch,omitempty"`
	Offset uint64 `json:"offset,omitempty"`
	// Limit is the page size of a history request (1..MaxHistoryPage).
	Limit int `json:"limit,omitempty"`
	// Target is the offset of the message an edit, delete or reaction is
	// about, or of the message a send replies to.
	Target uint64 `json:"target,omitempty"`
	// Points are data points to publish to the room's feed (points).
	Points []Point `json:"points,omitempty"`
	// X and Y are a pointer position on the room's board (cursor).
	X float64 `json:"x,omitempty"`
	Y float64 `json:"y,omitempty"`
	// Attachment names an uploaded file the message shares (send); only
	// its ID is read.
	Attachment *Attachment `json:"attachment,omitempty"`
	// Binary asks the server to send cursor batches as binary frames
	// (hello; see binary.go).
	Binary bool `json:"binary,omitempty"`
	// Page is the address of the web page a visitor writes from (send, in
	// their support conversation; see ValidatePage).
	Page string `json:"page,omitempty"`
	// Watch (join) follows the room without being in it: its events come
	// as to a member, but the person is not present there (no presence
	// event, not among its members or counts, no member.joined webhook).
	// A room list following other rooms' unread counts joins this way.
	Watch bool `json:"watch,omitempty"`
}

// EventType names a server-to-client frame.
type EventType string

// The events of protocol v1.
const (
	// EvWelcome answers hello: who the server says you are (User), the session
	// token to present next time (Session), and the server's build (Boot).
	EvWelcome EventType = "welcome"
	// EvJoined answers join: the room's epoch and latest offset, its members,
	// and either the missed events (Recovered true) or recent history (Events).
	EvJoined EventType = "joined"
	// EvLeft answers leave.
	EvLeft EventType = "left"
	// EvMessage is a stored room message with its Epoch and Offset.
	EvMessage EventType = "message"
	// EvPresence says who came (Joined) and went (Left) and how many are in
	// the room now (Count).
	EvPresence EventType = "presence"
	// EvAck confirms a send was stored at Offset.
	EvAck EventType = "ack"
	// EvHistory answers a history request with Events, oldest first; More is
	// true while older events exist.
	EvHistory EventType = "history"
	// EvEdit is a stored event: User changed the Text of message Target.
	EvEdit EventType = "edit"
	// EvDelete is a stored event: User deleted message Target.
	EvDelete EventType = "delete"
	// EvReact and EvUnreact are stored events: User added (took back) the
	// reaction Text to message Target. A message's reactions are, per
	// emoji and person, the latest of these.
	EvReact   EventType = "react"
	EvUnreact EventType = "unreact"
	// EvDirect is a stored event in a person's inbox (InboxRoom): User
	// wrote Text to them in the direct-message room Conversation, where
	// it is message Target.
	EvDirect EventType = "direct"
	// EvResolved and EvReopened are stored events in AgentsInbox: agent
	// User resolved (reopened) the conversation Conversation.
	EvResolved EventType = "resolved"
	EvReopened EventType = "reopened"
	// EvTyping says User is typing in Room (for TypingTTL, or until a
	// message from User arrives).
	EvTyping EventType = "typing"
	// EvRooms lists the active rooms (Rooms), in answer to rooms and again
	// whenever the list changes.
	EvRooms EventType = "rooms"
	// EvClosing comes just before the server closes the connection, with
	// the close code it will use (Code) and why (Text). Browsers cannot read
	// close codes through every WebSocket library; this event carries it.
	EvClosing EventType = "closing"
	// EvBatch carries several events in one frame (Events, in order), when
	// the server had more than one queued for the connection. A client
	// handles each as if it had come alone.
	EvBatch EventType = "batch"
	// EvKicked tells a person they were removed from Room by a moderator,
	// with the reason (Text); Time, if set, is when a ban ends (Unix ms).
	EvKicked EventType = "kicked"
	// EvPong answers ping.
	EvPong EventType = "pong"
	// EvError reports that the command Ref failed, with a typed Error.
	EvError EventType = "error"
)

// User is a person as others see them.
type User struct {
	// ID is stable for a person across reconnects and tabs.
	ID string `json:"id"`
	// Name is the nickname, already normalised.
	Name string `json:"name"`
	// Role is "moderator" or "admin" for people who may moderate; empty
	// for everyone else.
	Role string `json:"role,omitempty"`
}

// Roles a token may give.
const (
	RoleMember    = "member"
	RoleModerator = "moderator"
	RoleAdmin     = "admin"
)

// Event is a frame the server sends. Every event about a room names it, and
// every stored event carries its Epoch and Offset (its position in the room).
type Event struct {
	Type EventType `json:"type"`
	// Ref is the ID of the command this event answers, if any.
	Ref  string `json:"ref,omitempty"`
	Room string `json:"room,omitempty"`
	// Epoch identifies one continuous history of a room; it changes if that
	// history is lost. Offset is the event's position in it, starting at 1,
	// with no gaps. On joined, Offset is the latest stored offset.
	Epoch  string `json:"epoch,omitempty"`
	Offset uint64 `json:"offset,omitempty"`
	// ID is the sender's id for the message (message, ack).
	ID string `json:"id,omitempty"`
	// User is the sender (message) or yourself (welcome).
	User *User `json:"user,omitempty"`
	// Text is the message text, or why the connection closes (closing).
	Text string `json:"text,omitempty"`
	// Time is when the server stored the event, in Unix milliseconds.
	Time int64 `json:"ts,omitempty"`
	// Recovered is true on joined when every missed event since the client's
	// position follows; false means the client must drop what it has and use
	// Events as the room's recent history.
	Recovered bool `json:"recovered,omitempty"`
	// Members lists who is in the room (joined), one entry per person.
	Members []User `json:"members,omitempty"`
	// Joined and Left list the people who came and went (presence).
	Joined []User `json:"joined,omitempty"`
	Left   []User `json:"left,omitempty"`
	// Count is the number of people in the room (joined, presence).
	Count int `json:"count,omitempty"`
	// Events holds stored events (joined, history), oldest first, or the
	// events of a batch.
	Events []Event `json:"events,omitempty"`
	// More is true when older history exists (joined, history).
	More bool `json:"more,omitempty"`
	// Session is the signed session token to present in the next hello (welcome).
	Session string `json:"session,omitempty"`
	// Boot identifies the server build; a client seeing a new one may reload (welcome).
	Boot string `json:"boot,omitempty"`
	// Error describes what went wrong (error).
	Error *Error `json:"error,omitempty"`
	// Target is the offset of the message an edit, delete or reaction is
	// about, or of the message a message replies to.
	Target uint64 `json:"target,omitempty"`
	// Rooms lists active rooms, busiest first (rooms).
	Rooms []RoomInfo `json:"rooms,omitempty"`
	// Code is the WebSocket close code that follows (closing).
	Code CloseCode `json:"code,omitempty"`
	// Points are the data points of a feed event (points).
	Points []Point `json:"points,omitempty"`
	// Cursors are the pointer positions of a cursors batch.
	Cursors []Cursor `json:"cursors,omitempty"`
	// Attachment is the file a message shares, as the server stored it.
	Attachment *Attachment `json:"attachment,omitempty"`
	// Conversation is the direct-message or support room a direct,
	// resolved or reopened event is about.
	Conversation string `json:"conversation,omitempty"`
	// Page is the web page a visitor wrote from (their messages in a
	// support conversation, and the direct events about them).
	Page string `json:"page,omitempty"`
	// By and Until (room activity, see IsActivity): the moderator of a
	// kick or ban, and when a ban ends (Unix ms).
	By    *User `json:"by,omitempty"`
	Until int64 `json:"until,omitempty"`
}

// RoomInfo is one active room in a rooms event.
type RoomInfo struct {
	Name string `json:"name"`
	// Online is the number of people in the room.
	Online int `json:"online"`
}

// EpochNone is the epoch of a room that has no history yet. A client that
// joined then resumes from (EpochNone, 0) and receives everything stored
// since, as long as none of it has expired.
const EpochNone = "none"

// Timing rules both sides follow.
const (
	// TypingInterval is the least time between two typing signals of one
	// person in one room; the server drops the extra ones.
	TypingInterval = 2 * time.Second
	// TypingTTL is how long a typing indicator shows without a new signal.
	TypingTTL = 5 * time.Second
)

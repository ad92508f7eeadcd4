package protocol

// Webhooks: what a Switchboard server POSTs to a backend's webhook URL for
// each stored room event (server/webhook). The body follows the Standard
// Webhooks shape (type, timestamp, data); the request carries the
// webhook-id, webhook-timestamp and webhook-signature headers, and the
// same webhook-id on every retry of one event, so a receiver deduplicates
// on it.

// WebhookType names what happened.
type WebhookType string

// Webhook types.
const (
	// WebhookMessage: a message was stored in a room.
	WebhookMessage WebhookType = "message.created"
	// WebhookEdit: a message's author changed its text.
	WebhookEdit WebhookType = "message.edited"
	// WebhookDelete: a message's author deleted it.
	WebhookDelete WebhookType = "message.deleted"
	// WebhookReacted: a person added a reaction (Text, one emoji) to a
	// message (Target); WebhookUnreacted: they took it back.
	WebhookReacted   WebhookType = "reaction.added"
	WebhookUnreacted WebhookType = "reaction.removed"
	// WebhookJoined: a person came into a room (their first connection
	// in it, on any node); WebhookLeft: they went (their last one).
	WebhookJoined WebhookType = "member.joined"
	WebhookLeft   WebhookType = "member.left"
	// WebhookOccupied: a room got its first person; WebhookVacated: its
	// last person went.
	WebhookOccupied WebhookType = "room.occupied"
	WebhookVacated  WebhookType = "room.vacated"
	// WebhookKicked and WebhookBanned: a moderator removed a person (a
	// ban also keeps them out until a time).
	WebhookKicked WebhookType = "member.kicked"
	WebhookBanned WebhookType = "member.banned"
)

// WebhookTypes are the types a webhook may be filtered to, in order.
var WebhookTypes = []WebhookType{WebhookMessage, WebhookEdit, WebhookDelete,
	WebhookReacted, WebhookUnreacted, WebhookJoined, WebhookLeft, WebhookOccupied, WebhookVacated, WebhookKicked, WebhookBanned}

// Room activity: what happens in a room besides its messages, stored for
// webhooks as events of these types (never sent to clients).
const (
	EvMemberJoined EventType = EventType(WebhookJoined)
	EvMemberLeft   EventType = EventType(WebhookLeft)
	EvRoomOccupied EventType = EventType(WebhookOccupied)
	EvRoomVacated  EventType = EventType(WebhookVacated)
	EvMemberKicked EventType = EventType(WebhookKicked)
	EvMemberBanned EventType = EventType(WebhookBanned)
)

// IsActivity reports whether t is a room activity type.
func IsActivity(t EventType) bool {
	switch t {
	case EvMemberJoined, EvMemberLeft, EvRoomOccupied, EvRoomVacated, EvMemberKicked, EvMemberBanned:
		return true
	}
	return false
}

// WebhookTypeOf returns the webhook type of a stored event, or "" for an
// event no webhook reports.
func WebhookTypeOf(ev *Event) WebhookType {
	switch ev.Type {
	case EvMessage:
		return WebhookMessage
	case EvEdit:
		return WebhookEdit
	case EvDelete:
		return WebhookDelete
	case EvReact:
		return WebhookReacted
	case EvUnreact:
		return WebhookUnreacted
	}
	if IsActivity(ev.Type) {
		return WebhookType(ev.Type)
	}
	return ""
}

// WebhookBody is the JSON body of a webhook request.
type WebhookBody struct {
	Type WebhookType `json:"type"`
	// Timestamp is when the event was stored, RFC 3339 in UTC.
	Timestamp string      `json:"timestamp"`
	Data      WebhookData `json:"data"`
}

// WebhookData is the stored event: where it is in its room's log, who
// sent it, and what it says. Room activity (member.*, room.*) has no
// place in the log (no epoch or offset).
type WebhookData struct {
	Room   string `json:"room"`
	Epoch  string `json:"epoch,omitempty"`
	Offset uint64 `json:"offset,omitempty"`
	// ID is the sender's id of the event (its client's, or the API's), or
	// the activity's own id.
	ID string `json:"id,omitempty"`
	// User sent the message, or is the person who came, went, or was
	// kicked or banned.
	User *User `json:"user,omitempty"`
	// By is the moderator of a kick or ban.
	By *User `json:"by,omitempty"`
	// Until is when a ban ends, in Unix milliseconds.
	Until int64 `json:"until,omitempty"`
	// Text of a message or an edit; the emoji of a reaction; the reason
	// given for a kick or ban.
	Text string `json:"text,omitempty"`
	// Target is the offset of the message an edit, delete or reaction is
	// about, or of the message a message replies to.
	Target     uint64      `json:"target,omitempty"`
	Attachment *Attachment `json:"attachment,omitempty"`
	// Time is when it was stored (or, for room activity, happened), in
	// Unix milliseconds.
	Time int64 `json:"ts"`
}

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
)

// WebhookTypes are the types a webhook may be filtered to, in order.
var WebhookTypes = []WebhookType{WebhookMessage, WebhookEdit, WebhookDelete}

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
// sent it, and what it says.
type WebhookData struct {
	Room   string `json:"room"`
	Epoch  string `json:"epoch"`
	Offset uint64 `json:"offset"`
	// ID is the sender's id of the event (its client's, or the API's).
	ID   string `json:"id,omitempty"`
	User *User  `json:"user,omitempty"`
	// Text of a message or an edit.
	Text string `json:"text,omitempty"`
	// Target is the offset of the message an edit or delete is about.
	Target     uint64      `json:"target,omitempty"`
	Attachment *Attachment `json:"attachment,omitempty"`
	// Time is when it was stored, in Unix milliseconds.
	Time int64 `json:"ts"`
}

package protocol

// Hooks: a Switchboard server configured with a hook URL asks the site's
// backend, synchronously, before a person connects, joins a room or
// publishes a message (server/hook): the request is a signed POST (the
// Standard Webhooks headers, as webhooks) of a HookRequest, the answer a
// HookAnswer. A refusal reaches the person as a CodeRefused error carrying
// the backend's reason.

// HookKind is what the backend is asked about.
type HookKind string

// Hook kinds.
const (
	// HookConnect: User says hello (connects).
	HookConnect HookKind = "connect"
	// HookJoin: User joins Room.
	HookJoin HookKind = "join"
	// HookPublish: User sends Text to Room, or edits a message (Target)
	// to say Text.
	HookPublish HookKind = "publish"
)

// HookRequest is the JSON body of a hook request.
type HookRequest struct {
	Kind HookKind `json:"kind"`
	User User     `json:"user"`
	Room string   `json:"room,omitempty"`
	Text string   `json:"text,omitempty"`
	// Target is the offset of the message an edit changes.
	Target uint64 `json:"target,omitempty"`
}

// HookAnswer is the backend's answer: HTTP 200 with this JSON body. Any
// other answer, or none within the server's hook timeout, is a failure,
// which the server's failure policy turns into a refusal or an allowance.
type HookAnswer struct {
	// Allow lets the person go ahead.
	Allow bool `json:"allow"`
	// Reason, when refused, is shown to the person (at most
	// MaxHookReasonRunes characters are kept).
	Reason string `json:"reason,omitempty"`
	// Text, for an allowed publish, replaces the text stored (validated as
	// any message text). Absent: stored as sent.
	Text *string `json:"text,omitempty"`
}

// MaxHookReasonRunes bounds the reason a refusal carries to the person.
const MaxHookReasonRunes = 300

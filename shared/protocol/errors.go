package protocol

import "fmt"

// ErrorCode names a kind of protocol error. The list is closed: a client can
// switch on it, and the human message is only for people.
type ErrorCode string

// The error codes, one per way a command can fail.
const (
	// CodeBadRequest: the frame is not valid JSON or has unknown or missing fields.
	CodeBadRequest ErrorCode = "bad_request"
	// CodeUnknownType: the frame's type is not a command of this protocol version.
	CodeUnknownType ErrorCode = "unknown_type"
	// CodeInvalidRoom: the room name breaks the room rules.
	CodeInvalidRoom ErrorCode = "invalid_room"
	// CodeInvalidName: the nickname breaks the nickname rules.
	CodeInvalidName ErrorCode = "invalid_name"
	// CodeNameTaken: someone else in the room already uses that nickname.
	CodeNameTaken ErrorCode = "name_taken"
	// CodeInvalidText: the message text is empty, too long or has control characters.
	CodeInvalidText ErrorCode = "invalid_text"
	// CodeInvalidID: the command id is missing or malformed.
	CodeInvalidID ErrorCode = "invalid_id"
	// CodeNotHello: a command came before the hello frame.
	CodeNotHello ErrorCode = "hello_required"
	// CodeHelloRepeated: a second hello on a connection that has had one
	// (the first one's name and session stay).
	CodeHelloRepeated ErrorCode = "hello_repeated"
	// CodeNotJoined: the command names a room the connection has not joined.
	CodeNotJoined ErrorCode = "not_joined"
	// CodeTooManyRooms: the connection is in as many rooms as it may be.
	CodeTooManyRooms ErrorCode = "too_many_rooms"
	// CodeRateLimited: the connection sends faster than it may.
	CodeRateLimited ErrorCode = "rate_limited"
	// CodeNotFound: the message an edit or delete names does not exist.
	CodeNotFound ErrorCode = "not_found"
	// CodeForbidden: the person may not do that (e.g. edit someone else's message).
	CodeForbidden ErrorCode = "forbidden"
	// CodeRefused: the site's backend refused it (its hook, see
	// HookAnswer); Message is the backend's reason, written for people.
	CodeRefused ErrorCode = "refused"
	// CodeEditWindow: the message is older than the edit window.
	CodeEditWindow ErrorCode = "edit_window_passed"
	// CodeNameRequired: joining needs a nickname (hello with a name).
	CodeNameRequired ErrorCode = "name_required"
	// CodeTokenInvalid: the JWT is malformed, forged, expired or not for us.
	CodeTokenInvalid ErrorCode = "token_invalid"
	// CodeBanned: a moderator banned the person from the room for a while.
	CodeBanned ErrorCode = "banned"
	// CodeInvalidPoint: a data point's series, unit or time breaks the feed rules.
	CodeInvalidPoint ErrorCode = "invalid_point"
	// CodeTooLarge: an upload is larger than the server accepts.
	CodeTooLarge ErrorCode = "too_large"
	// CodeUnavailable: the message store cannot be reached; nothing was stored.
	CodeUnavailable ErrorCode = "unavailable"
	// CodeInternal: the server failed; details are in its log, never in the frame.
	CodeInternal ErrorCode = "internal"
)

// Error is a typed protocol error. It travels to clients inside an Event of
// type "error" and is returned by validation on both sides.
type Error struct {
	Code    ErrorCode `json:"code"`
	Message string    `json:"message"`
	// Suggestion is an alternative the server proposes, e.g. a free nickname
	// after CodeNameTaken. Optional.
	Suggestion string `json:"suggestion,omitempty"`
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf makes an *Error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// plainError says what a protocol error means for the person, in words they
// can act on. Validation messages from shared/protocol are already plain;
// they only get a capital letter and a full stop.
func plainError(err *protocol.Error) string {
	if err == nil {
		return ""
	}
	switch err.Code {
	case protocol.CodeRateLimited:
		return "You are sending messages too fast. Wait a moment; it will be sent."
	case protocol.CodeUnavailable:
		return "The server cannot store messages right now. It will try again."
	case protocol.CodeNameTaken:
		msg := "Someone in this room already uses that nickname."
		if err.Suggestion != "" {
			msg += " How about “" + err.Suggestion + "”?"
		}
		return msg
	case protocol.CodeNotJoined:
		return "You are not in the room yet. Wait until you are connected."
	case protocol.CodeTooManyRooms:
		return "This browser is in too many rooms at once. Close a tab and try again."
	case protocol.CodeInternal:
		return "Something went wrong on the server. Try again."
	case protocol.CodeBadRequest, protocol.CodeUnknownType, protocol.CodeInvalidID, protocol.CodeNotHello:
		return "The server did not understand this app. Reload the page."
	}
	return sentence(err.Message)
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

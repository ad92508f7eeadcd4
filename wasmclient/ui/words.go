package ui

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-rt/switchboard/shared/client"
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
		if name := takenName(err.Message); name != "" {
			msg = "Someone in this room already uses the nickname “" + name + "”."
		}
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
	case protocol.CodeTokenInvalid:
		return "Your sign-in was not accepted: it may have expired. Sign in again."
	case protocol.CodeBanned:
		return bannedText(err.Message)
	case protocol.CodeBadRequest, protocol.CodeUnknownType, protocol.CodeInvalidID, protocol.CodeNotHello, protocol.CodeHelloRepeated:
		return "The server did not understand this app. Reload the page."
	}
	return sentence(err.Message)
}

// takenName returns the nickname a CodeNameTaken message names: the
// server writes it last, in double quotes (`… uses the nickname "ann"`).
// It is empty when the message names none.
func takenName(msg string) string {
	i, j := strings.Index(msg, `"`), strings.LastIndex(msg, `"`)
	if i < 0 || j <= i+1 {
		return ""
	}
	return msg[i+1 : j]
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

// endReason says in plain words why a connection attempt or a connection
// ended, for the banner. It is empty when nothing useful is known.
func endReason(err error) string {
	var perr *protocol.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &perr):
		return plainError(perr)
	case errors.Is(err, context.DeadlineExceeded):
		return "The server did not answer in time."
	}
	switch client.CloseCode(err) {
	case protocol.CloseGoingAway, protocol.CloseRestart:
		return "The server is restarting."
	case protocol.CloseTryAgainLater:
		return "The server is busy."
	case protocol.CloseSlowConsumer:
		return "The connection was too slow to keep up."
	case protocol.CloseHeartbeatTimeout:
		return "The connection went quiet."
	case protocol.CloseUnauthorized:
		return "The server did not accept this browser's session."
	case protocol.CloseProtocolViolation, protocol.ClosePolicy:
		return "The server closed the connection: this app may be out of date. Reload the page."
	}
	return "Cannot reach the server."
}

// bannedText says in plain words a refused join's ban message, whose end
// ("… until 2026-11-21T14:05:00Z") the server writes in RFC 3339: the time
// is shown as a local clock time.
func bannedText(msg string) string {
	if i := strings.LastIndex(msg, " until "); i >= 0 {
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(msg[i+len(" until "):])); err == nil {
			return "A moderator banned you from this room until " + clock(t, time.Now()) + "."
		}
	}
	if msg == "" {
		return "A moderator banned you from this room for a while."
	}
	return sentence(msg)
}

// removedText is what a person removed from room by a moderator reads:
// who did it, the reason they gave, and until when a ban lasts (untilMs,
// Unix milliseconds; 0 for a kick without a ban).
func removedText(room, reason string, untilMs int64, now time.Time) string {
	msg := "A moderator removed you from #" + room
	if reason = strings.TrimSpace(reason); reason != "" {
		msg += ": " + reason
	} else {
		msg += "."
	}
	if untilMs > 0 {
		msg += " You are banned until " + clock(time.UnixMilli(untilMs), now) + "."
	}
	return msg
}

// clock writes t as local time: "15:04" today, "Mon 2 Jan 15:04" otherwise.
func clock(t, now time.Time) string { return clockIn(t, now, time.Local) }

// clockIn is clock in the time zone loc: "today" is now's day in loc.
func clockIn(t, now time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	if t.Format("2006-01-02") == now.Format("2006-01-02") {
		return t.Format("15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

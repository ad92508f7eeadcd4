package protocol

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Validate checks that c is a well-formed command of its type: required fields
// present, values within the limits, and no field the type does not use.
// It does not normalise; use NormalizeName for nicknames.
func (c *Command) Validate() *Error {
	if err := ValidateID(c.ID); err != nil {
		return err
	}
	var allowed fieldSet
	switch c.Type {
	case CmdHello:
		if c.Name != "" {
			if _, err := NormalizeNickname(c.Name); err != nil {
				return err
			}
		}
		if len(c.Session) > MaxSessionLen {
			return Errorf(CodeBadRequest, "session token longer than %d bytes", MaxSessionLen)
		}
		if len(c.Token) > MaxTokenLen {
			return Errorf(CodeTokenInvalid, "token longer than %d bytes", MaxTokenLen)
		}
		allowed = fName | fSession | fToken | fBinary
	case CmdRefresh:
		if c.Token == "" || len(c.Token) > MaxTokenLen {
			return Errorf(CodeTokenInvalid, "refresh needs a token of at most %d bytes", MaxTokenLen)
		}
		allowed = fToken
	case CmdKick, CmdBan:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		if err := ValidateID(c.User); err != nil {
			return Errorf(CodeBadRequest, "%s needs the person's user id", c.Type)
		}
		if c.Text != "" {
			if err := ValidateText(c.Text); err != nil {
				return err
			}
		}
		allowed = fRoom | fUser | fText
		if c.Type == CmdBan {
			if c.Seconds < 1 || c.Seconds > MaxBanSeconds {
				return Errorf(CodeBadRequest, "a ban lasts 1 to %d seconds", MaxBanSeconds)
			}
			allowed |= fSeconds
		}
	case CmdJoin:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		if c.Offset != 0 && c.Epoch == "" {
			return Errorf(CodeBadRequest, "a resume position needs an epoch")
		}
		if err := validateEpoch(c.Epoch); err != nil {
			return err
		}
		allowed = fRoom | fEpoch | fOffset | fWatch
	case CmdLeave:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		allowed = fRoom
	case CmdSend:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		if c.Attachment != nil {
			// With an attachment, the text is an optional caption.
			if err := ValidateAttachment(c.Attachment); err != nil {
				return err
			}
			if c.Text != "" {
				if err := ValidateText(c.Text); err != nil {
					return err
				}
			}
		} else if err := ValidateText(c.Text); err != nil {
			return err
		}
		allowed = fRoom | fText | fAttachment | fTarget
		if c.Page != "" {
			if _, ok := ConversationOwner(c.Room); !ok {
				return Errorf(CodeBadRequest, "page is for a visitor's messages in their conversation")
			}
			if err := ValidatePage(c.Page); err != nil {
				return err
			}
			allowed |= fPage
		}
	case CmdHistory:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		if c.Limit < 1 || c.Limit > MaxHistoryPage {
			return Errorf(CodeBadRequest, "history limit must be 1 to %d", MaxHistoryPage)
		}
		if err := validateEpoch(c.Epoch); err != nil {
			return err
		}
		allowed = fRoom | fEpoch | fOffset | fLimit
	case CmdPrivate, CmdPublic:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		allowed = fRoom
	case CmdTyping:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		allowed = fRoom
	case CmdEdit:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		if c.Target == 0 {
			return Errorf(CodeBadRequest, "edit needs the target message's offset")
		}
		if err := ValidateText(c.Text); err != nil {
			return err
		}
		allowed = fRoom | fTarget | fText
	case CmdDelete:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		if c.Target == 0 {
			return Errorf(CodeBadRequest, "delete needs the target message's offset")
		}
		allowed = fRoom | fTarget
	case CmdResolve, CmdReopen:
		if _, ok := ConversationOwner(c.Room); !ok {
			return Errorf(CodeBadRequest, "%s needs a conversation room (conv-…)", c.Type)
		}
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		allowed = fRoom
	case CmdReact, CmdUnreact:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		if c.Target == 0 {
			return Errorf(CodeBadRequest, "%s needs the target message's offset", c.Type)
		}
		if err := ValidateReaction(c.Text); err != nil {
			return err
		}
		allowed = fRoom | fTarget | fText
	case CmdFeed:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		if c.Offset != 0 && c.Epoch == "" {
			return Errorf(CodeBadRequest, "a resume position needs an epoch")
		}
		if err := validateEpoch(c.Epoch); err != nil {
			return err
		}
		allowed = fRoom | fEpoch | fOffset
	case CmdPoints:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		if err := ValidatePoints(c.Points); err != nil {
			return err
		}
		allowed = fRoom | fPoints
	case CmdCursor:
		if err := ValidateRoom(c.Room); err != nil {
			return err
		}
		if err := c.validateCursor(); err != nil {
			return err
		}
		allowed = fRoom | fX | fY
	case CmdPing, CmdRooms:
		allowed = 0
	case "":
		return Errorf(CodeBadRequest, "frame has no type")
	default:
		return Errorf(CodeUnknownType, "unknown command type %q", truncate(string(c.Type), 32))
	}
	if extra := c.fields() &^ allowed; extra != 0 {
		return Errorf(CodeBadRequest, "field %q is not used by %q", extra.first(), c.Type)
	}
	return nil
}

type fieldSet uint32

const (
	fRoom fieldSet = 1 << iota
	fName
	fSession
	fText
	fEpoch
	fOffset
	fLimit
	fTarget
	fToken
	fUser
	fSeconds
	fPoints
	fX
	fY
	fAttachment
	fBinary
	fPage
	fWatch
)

func (c *Command) fields() fieldSet {
	var s fieldSet
	set := func(ok bool, f fieldSet) {
		if ok {
			s |= f
		}
	}
	set(c.Room != "", fRoom)
	set(c.Name != "", fName)
	set(c.Session != "", fSession)
	set(c.Text != "", fText)
	set(c.Epoch != "", fEpoch)
	set(c.Offset != 0, fOffset)
	set(c.Limit != 0, fLimit)
	set(c.Target != 0, fTarget)
	set(c.Token != "", fToken)
	set(c.User != "", fUser)
	set(c.Seconds != 0, fSeconds)
	set(len(c.Points) > 0, fPoints)
	set(c.X != 0, fX)
	set(c.Y != 0, fY)
	set(c.Attachment != nil, fAttachment)
	set(c.Binary, fBinary)
	set(c.Page != "", fPage)
	set(c.Watch, fWatch)
	return s
}

func (s fieldSet) first() string {
	names := []string{"room", "name", "session", "text", "epoch", "offset", "limit", "target", "token", "user", "seconds", "points", "x", "y", "attachment", "binary", "page", "watch"}
	for i, n := range names {
		if s&(1<<i) != 0 {
			return n
		}
	}
	return ""
}

// ValidateID checks a client-chosen command id: 1 to MaxIDLen characters of
// ASCII letters, digits and "-_.:".
func ValidateID(id string) *Error {
	if id == "" {
		return Errorf(CodeInvalidID, "command id is missing")
	}
	if len(id) > MaxIDLen {
		return Errorf(CodeInvalidID, "command id is longer than %d characters", MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if !isIDByte(id[i]) {
			return Errorf(CodeInvalidID, "command id may only hold letters, digits and -_.:")
		}
	}
	return nil
}

func isIDByte(b byte) bool {
	return isRoomByte(b) || b == '.' || b == ':'
}

func isRoomByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_'
}

// ValidateRoom checks a room name: 1 to MaxRoomLen ASCII letters, digits, '-'
// and '_'. Room names are case-sensitive and safe in URLs and NATS subjects.
func ValidateRoom(room string) *Error {
	if room == "" {
		return Errorf(CodeInvalidRoom, "room name is missing")
	}
	if len(room) > MaxRoomLen {
		return Errorf(CodeInvalidRoom, "room name is longer than %d characters", MaxRoomLen)
	}
	for i := 0; i < len(room); i++ {
		if !isRoomByte(room[i]) {
			return Errorf(CodeInvalidRoom, "room names may only hold letters, digits, - and _")
		}
	}
	return nil
}

func validateEpoch(epoch string) *Error {
	if len(epoch) > MaxIDLen {
		return Errorf(CodeBadRequest, "epoch is longer than %d characters", MaxIDLen)
	}
	for i := 0; i < len(epoch); i++ {
		if !isRoomByte(epoch[i]) {
			return Errorf(CodeBadRequest, "epoch is malformed")
		}
	}
	return nil
}

// NormalizeName returns the canonical form of a nickname: trimmed of spaces,
// Unicode NFC, 1 to MaxNameRunes characters, no control or format characters
// and no line breaks. Two names clash when their keys are equal (see
// NameKey). People's names go through NormalizeNickname, which also
// refuses the reserved names.
func NormalizeName(name string) (string, *Error) {
	if !utf8.ValidString(name) {
		return "", Errorf(CodeInvalidName, "nickname is not valid UTF-8")
	}
	n := nfc(strings.TrimSpace(name))
	if n == "" {
		return "", Errorf(CodeInvalidName, "nickname is empty")
	}
	if utf8.RuneCountInString(n) > MaxNameRunes {
		return "", Errorf(CodeInvalidName, "nickname is longer than %d characters", MaxNameRunes)
	}
	for _, r := range n {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return "", Errorf(CodeInvalidName, "nickname contains a control character")
		}
	}
	return n, nil
}

// ValidateText checks a message text: valid UTF-8, not blank, at most
// MaxTextRunes characters, and no control characters other than tab and
// newline.
func ValidateText(text string) *Error {
	if !utf8.ValidString(text) {
		return Errorf(CodeInvalidText, "message is not valid UTF-8")
	}
	if strings.TrimSpace(text) == "" {
		return Errorf(CodeInvalidText, "message is empty")
	}
	if n := utf8.RuneCountInString(text); n > MaxTextRunes {
		return Errorf(CodeInvalidText, "message is %d characters long; the limit is %d", n, MaxTextRunes)
	}
	for _, r := range text {
		if r == '\n' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) {
			return Errorf(CodeInvalidText, "message contains a control character")
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

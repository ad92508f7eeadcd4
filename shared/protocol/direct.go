package protocol

import (
	"net/url"
	"strconv"
	"strings"
)

// Direct messages and inboxes are rooms private by their names: the server
// lets nobody else in, whatever their role or token.
const (
	// DirectPrefix starts the name of a room of direct messages between two
	// people: "dm-" + len(a) + "-" + a + "-" + b, their user ids with a < b
	// (DirectRoom). Every room whose name starts so is one (a malformed
	// one admits nobody).
	DirectPrefix = "dm-"
	// InboxPrefix starts the name of a person's inbox: "inbox-" + their
	// user id. The server stores a direct event there for each message
	// someone sends them directly, so their client learns of new
	// conversations (and of messages in them) while elsewhere.
	InboxPrefix = "inbox-"
	// ConversationPrefix starts the name of a support conversation: a
	// visitor's private room with the site's agents, "conv-" + the
	// visitor's user id (ConversationRoom). Its visitor and agents (people
	// whose role is moderator or admin) may enter it; nobody else.
	ConversationPrefix = "conv-"
	// AgentsInbox is the agents' room: the server stores a direct event
	// there for each message of every conversation, so agents' inboxes
	// list them live and after being away. Only agents may enter it.
	AgentsInbox = "agents-inbox"
	// ConversationSelf stands, in the embed page's URL (/embed/conv-me),
	// for the visitor's own conversation: the page learns its room once
	// the server has said who the visitor is. No user id is "me".
	ConversationSelf = ConversationPrefix + "me"
)

// ConversationRoom returns the support conversation room of the visitor
// with user id, or an error when a room name cannot hold it.
func ConversationRoom(user string) (string, *Error) {
	room := ConversationPrefix + user
	if user == "" || ValidateRoom(room) != nil {
		return "", Errorf(CodeBadRequest, "this person's id does not fit a room name for a conversation")
	}
	return room, nil
}

// ConversationOwner returns the visitor of a conversation room, and false
// for any other room.
func ConversationOwner(room string) (string, bool) {
	user, ok := strings.CutPrefix(room, ConversationPrefix)
	return user, ok && user != ""
}

// IsAgent reports whether a person with role answers conversations.
func IsAgent(role string) bool { return role == RoleModerator || role == RoleAdmin }

// AgentsMayEnter reports whether agents may enter room: conversations and
// their inbox.
func AgentsMayEnter(room string) bool {
	return room == AgentsInbox || strings.HasPrefix(room, ConversationPrefix)
}

// DirectRoom returns the room of the direct messages between the people
// with user ids a and b (in either order), or an error when no room name
// can hold them (ids too long, or with characters room names do not take,
// or the same person twice).
func DirectRoom(a, b string) (string, *Error) {
	if a == b || a == "" || b == "" {
		return "", Errorf(CodeBadRequest, "direct messages are between two different people")
	}
	if b < a {
		a, b = b, a
	}
	room := DirectPrefix + strconv.Itoa(len(a)) + "-" + a + "-" + b
	if err := ValidateRoom(room); err != nil {
		return "", Errorf(CodeBadRequest, "these two people's ids do not fit a room name for direct messages")
	}
	return room, nil
}

// DirectMembers returns the two user ids of a direct-message room, and
// false for any other room, or a direct one not named as DirectRoom names
// it.
func DirectMembers(room string) (a, b string, ok bool) {
	rest, found := strings.CutPrefix(room, DirectPrefix)
	if !found {
		return "", "", false
	}
	num, rest, found := strings.Cut(rest, "-")
	n, err := strconv.Atoi(num)
	if !found || err != nil || n < 1 || n >= len(rest) || strconv.Itoa(n) != num || rest[n] != '-' {
		return "", "", false
	}
	a, b = rest[:n], rest[n+1:]
	if want, perr := DirectRoom(a, b); perr != nil || want != room {
		return "", "", false
	}
	return a, b, true
}

// IsDirectRoom reports whether room is named as a direct-message room
// (well formed or not).
func IsDirectRoom(room string) bool { return strings.HasPrefix(room, DirectPrefix) }

// InboxRoom returns the inbox room of user id, or an error when a room
// name cannot hold it.
func InboxRoom(user string) (string, *Error) {
	room := InboxPrefix + user
	if user == "" || ValidateRoom(room) != nil {
		return "", Errorf(CodeBadRequest, "this person's id does not fit a room name for an inbox")
	}
	return room, nil
}

// InboxOwner returns the user id whose inbox room is, and false for any
// other room.
func InboxOwner(room string) (string, bool) {
	user, ok := strings.CutPrefix(room, InboxPrefix)
	return user, ok && user != ""
}

// PrivateByName reports whether room admits only the people its name
// gives (direct messages, inboxes, conversations and the agents' inbox).
func PrivateByName(room string) bool {
	return IsDirectRoom(room) || strings.HasPrefix(room, InboxPrefix) || AgentsMayEnter(room)
}

// MayEnterByName reports, for a room private by its name, whether the
// person with user id and role may enter it.
func MayEnterByName(room, user, role string) bool {
	if a, b, ok := DirectMembers(room); ok {
		return user == a || user == b
	}
	if AgentsMayEnter(room) && IsAgent(role) {
		return true
	}
	if owner, ok := ConversationOwner(room); ok {
		return user == owner
	}
	owner, ok := InboxOwner(room)
	return ok && user == owner
}

// ValidatePage checks the address of the page a visitor writes from: an
// absolute http(s) URL of at most MaxPageBytes bytes, without credentials.
func ValidatePage(page string) *Error {
	if len(page) > MaxPageBytes {
		return Errorf(CodeBadRequest, "page address longer than %d bytes", MaxPageBytes)
	}
	u, err := url.Parse(page)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return Errorf(CodeBadRequest, "page must be an http(s) address")
	}
	return nil
}

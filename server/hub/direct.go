package hub

import (
	"context"
	"strconv"
	"strings"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// isInbox reports whether room is a person's inbox: a channel of their
// client's, not a room people gather in, so it stays out of the room
// directory (and the admin's room list) and its comings and goings are no
// room activity.
func isInbox(room string) bool { return strings.HasPrefix(room, protocol.InboxPrefix) }

// notifyDirect stores, for a message stored in a direct-message room, a
// direct event in the other person's inbox (protocol.InboxRoom), and for
// a message of a support conversation (its visitor's or an agent's), one
// in the agents' inbox (protocol.AgentsInbox): their clients learn of it
// wherever they are, and after being away (an inbox resumes by offset
// like any room). A failure is logged: the message itself is stored.
func (h *Hub) notifyDirect(room string, from protocol.User, stored protocol.Event) {
	inbox := protocol.AgentsInbox
	if a, b, ok := protocol.DirectMembers(room); ok {
		to := a
		if to == from.ID {
			to = b
		}
		var perr *protocol.Error
		if inbox, perr = protocol.InboxRoom(to); perr != nil {
			return
		}
	} else if _, ok := protocol.ConversationOwner(room); !ok {
		return
	}
	ev := protocol.Event{Type: protocol.EvDirect, Conversation: room, Target: stored.Offset, Text: stored.Text, Page: stored.Page}
	if ev.Text == "" && stored.Attachment != nil {
		ev.Text = "📎 " + stored.Attachment.Name
	}
	// Keyed by the message's place: a retried send (stored once, answered
	// with its first offset) tells the inbox once.
	key := room + "/" + strconv.FormatUint(stored.Offset, 10)
	h.storeAsync(h.broker, inbox, from, key, ev, func(_ protocol.Event, perr *protocol.Error) {
		if perr != nil {
			h.log.Warn("direct message: inbox not told", "room", room, "inbox", inbox, "err", perr.Message)
		}
	})
}

// Resolve marks the support conversation cmd.Room resolved (CmdResolve)
// or open again (CmdReopen), for every agent: an event stored in the
// agents' inbox. Agents only.
func (h *Hub) Resolve(ctx context.Context, c Conn, cmd protocol.Command) (protocol.Event, *protocol.Error) {
	if !protocol.IsAgent(c.Access().Role) {
		return protocol.Event{}, protocol.Errorf(protocol.CodeForbidden, "only agents (moderators and admins) may %s conversations", cmd.Type)
	}
	typ := protocol.EvResolved
	if cmd.Type == protocol.CmdReopen {
		typ = protocol.EvReopened
	}
	stored, perr := h.store(ctx, h.broker, protocol.AgentsInbox, c.User(), cmd.ID, protocol.Event{Type: typ, Conversation: cmd.Room})
	if perr != nil {
		return protocol.Event{}, perr
	}
	return ack(cmd.ID, protocol.AgentsInbox, stored), nil
}

// visitorPage is the page address a send carries, for its conversation's
// visitor only.
func visitorPage(c Conn, cmd protocol.Command) (string, *protocol.Error) {
	if cmd.Page == "" {
		return "", nil
	}
	if owner, _ := protocol.ConversationOwner(cmd.Room); owner != c.User().ID {
		return "", protocol.Errorf(protocol.CodeBadRequest, "page is for the conversation's visitor")
	}
	return cmd.Page, nil
}

package hub

import (
	"strings"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// isInbox reports whether room is a person's inbox: a channel of their
// client's, not a room people gather in, so it stays out of the room
// directory (and the admin's room list) and its comings and goings are no
// room activity.
func isInbox(room string) bool { return strings.HasPrefix(room, protocol.InboxPrefix) }

// notifyDirect stores, for a message stored in a direct-message room, a
// direct event in the other person's inbox (protocol.InboxRoom), so their
// client learns of it wherever they are, and after being away (the inbox
// resumes by offset like any room). A failure is logged: the message
// itself is stored.
func (h *Hub) notifyDirect(room string, from protocol.User, stored protocol.Event) {
	a, b, ok := protocol.DirectMembers(room)
	if !ok {
		return
	}
	to := a
	if to == from.ID {
		to = b
	}
	inbox, perr := protocol.InboxRoom(to)
	if perr != nil {
		return
	}
	ev := protocol.Event{Type: protocol.EvDirect, Conversation: room, Target: stored.Offset, Text: stored.Text}
	if ev.Text == "" && stored.Attachment != nil {
		ev.Text = "📎 " + stored.Attachment.Name
	}
	h.storeAsync(h.broker, inbox, from, stored.ID, ev, func(_ protocol.Event, perr *protocol.Error) {
		if perr != nil {
			h.log.Warn("direct message: inbox not told", "room", room, "err", perr.Message)
		}
	})
}

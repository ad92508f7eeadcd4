package ui

import (
	"strings"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// The widget's conversation mode (embed.js data-mode="conversation"): the
// embed page opens at /embed/conv-me and, once the server has said who
// the visitor is, shows their own conversation with the site's agents
// (protocol.ConversationRoom), kept across visits by the visitor's
// session.

// conversationMode reports whether the page is a visitor's conversation
// (its room known only after the welcome).
func (c *roomPage) conversationMode() bool {
	return c.convSelf || c.room == protocol.ConversationSelf
}

// outboxKey is where the page keeps its unsent commands: the room, or one
// key for a visitor's conversation (its room is not known before the
// welcome, and never changes for the visitor).
func (c *roomPage) outboxKey() string {
	if c.conversationMode() {
		return protocol.ConversationSelf
	}
	return c.room
}

// joinConversation, in conversation mode, makes the visitor's
// conversation the page's room and joins it.
func (c *roomPage) joinConversation(me protocol.User) {
	if !c.conversationMode() || c.sess == nil {
		return
	}
	room, err := protocol.ConversationRoom(me.ID)
	if err != nil {
		c.removed = plainError(err)
		return
	}
	c.convSelf = true
	if c.room != room {
		c.room = room
		c.model.reset()
	}
	c.sess.Join(room)
}

// conversationTitle names a conversation room: the visitor's own, or,
// for an agent, the visitor's by name when known.
func (c *roomPage) conversationTitle(owner string) string {
	if owner == c.model.me.ID || c.convSelf {
		return "Your conversation"
	}
	name := ""
	for _, u := range c.model.members {
		if u.ID == owner {
			name = u.Name
		}
	}
	for _, l := range c.model.lines {
		if name == "" && l.ev.User != nil && l.ev.User.ID == owner {
			name = l.ev.User.Name
		}
	}
	if name == "" {
		return "Conversation"
	}
	return "Conversation with " + strings.TrimSpace(name)
}

// visitorPage is the host page a visitor writes from, sent with their
// messages in their conversation ("" elsewhere).
func (c *roomPage) visitorPage() string {
	if !c.convSelf || c.embed == nil {
		return ""
	}
	return c.embed.page
}

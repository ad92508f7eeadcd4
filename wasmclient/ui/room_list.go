package ui

import (
	"slices"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// listsRooms reports whether the page keeps a room list: the full room
// page does; the embedded widget shows its one room only.
func (c *roomPage) listsRooms() bool { return !c.embedded }

// followRooms joins, on session s, the rooms of the list the page follows
// for their unread counts.
func (c *roomPage) followRooms() {
	if !c.listsRooms() || c.sess == nil {
		return
	}
	for _, room := range c.rooms.watched(c.room) {
		c.follow(room)
	}
}

// follow watches room for its unread counts, up to maxWatchedRooms rooms:
// its messages come, but the person is not present there (a join with
// watch), so nobody in it sees them online for a room they have not opened.
func (c *roomPage) follow(room string) {
	if c.sess == nil || room == c.room || c.followed[room] || len(c.followed) >= maxWatchedRooms {
		return
	}
	if c.followed == nil {
		c.followed = make(map[string]bool)
	}
	c.followed[room] = true
	c.sess.Watch(room)
}

// followInbox joins the person's inbox once the server has said who they
// are: direct messages to them are announced there.
func (c *roomPage) followInbox(me protocol.User) {
	if !c.listsRooms() || c.sess == nil {
		return
	}
	if inbox, err := protocol.InboxRoom(me.ID); err == nil {
		c.sess.Join(inbox)
	}
}

// applyOther counts an event of a followed room (not the one on screen)
// in the room list: messages as unread, inbox events as direct messages
// (their room joins the list and is followed).
func (c *roomPage) applyOther(ctx app.Context, ev protocol.Event) {
	if !c.listsRooms() {
		ctx.PreventUpdate()
		return
	}
	changed := false
	each := []protocol.Event{ev}
	if ev.Type == protocol.EvJoined {
		each = ev.Events
	}
	for _, e := range each {
		if e.Room == "" {
			e.Room = ev.Room
		}
		if e.Type == protocol.EvDirect {
			room, added := c.rooms.direct(e)
			changed = changed || room != ""
			if added {
				c.follow(room)
			}
			continue
		}
		changed = c.rooms.count(e, c.model.me) || changed
	}
	if !changed {
		ctx.PreventUpdate()
		return
	}
	c.rooms.save(ctx.LocalStorage())
}

// reloadRoomList takes the room list as another tab of this browser saved
// it (a storage event): its reads and counts replace this tab's, so that
// the two agree (a room read in one is read in the other). Each message is
// counted once whichever tab counts it (roomEntry.Counted).
func (c *roomPage) reloadRoomList(ctx app.Context) {
	if !c.listsRooms() {
		ctx.PreventUpdate()
		return
	}
	stored := loadRoomList(ctx.LocalStorage())
	if slices.Equal(stored.entries, c.rooms.entries) {
		ctx.PreventUpdate()
		return
	}
	c.rooms = stored
}

// markRead records that the room on screen is read up to its newest
// message.
func (c *roomPage) markRead(ctx app.Context) {
	if !c.listsRooms() {
		return
	}
	if last := c.model.lastOffset(); last != 0 {
		c.rooms.read(c.room, c.model.epoch(), last, time.Now().UnixMilli())
		c.rooms.save(ctx.LocalStorage())
	}
}

// directWith opens the direct messages with u.
func (c *roomPage) directWith(u protocol.User) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		room, err := protocol.DirectRoom(c.model.me.ID, u.ID)
		if err != nil {
			c.model.notice = plainError(err)
			return
		}
		c.rooms.visit(room, u.Name, time.Now().UnixMilli())
		c.rooms.save(ctx.LocalStorage())
		ctx.Navigate(pagePath(roomPrefix + room))
	}
}

// roomTitle is how the page names its room: "#room", "@name" of the
// other person of a direct-message room, or a conversation's title.
func (c *roomPage) roomTitle() string {
	if owner, ok := protocol.ConversationOwner(c.room); ok {
		return c.conversationTitle(owner)
	}
	e := roomEntry{Room: c.room}
	if a, b, ok := protocol.DirectMembers(c.room); ok {
		for _, x := range c.rooms.entries {
			if x.Room == c.room {
				e = x
			}
		}
		other := a
		if other == c.model.me.ID {
			other = b
		}
		for _, u := range c.model.members {
			if u.ID == other {
				e.Title = u.Name
			}
		}
		if e.Title == "" {
			for _, l := range c.model.lines {
				if l.ev.User != nil && l.ev.User.ID == other {
					e.Title = l.ev.User.Name
				}
			}
		}
	}
	return e.title()
}

// renderRoomList is the person's rooms with their unread counts and
// mentions, the room on screen marked current.
func (c *roomPage) renderRoomList() app.UI {
	if !c.listsRooms() || len(c.rooms.entries) < 2 {
		return nil
	}
	items := make([]app.UI, 0, len(c.rooms.entries))
	for _, e := range c.rooms.entries {
		current := e.Room == c.room
		title := e.title()
		if current {
			title = c.roomTitle()
		}
		label := title
		switch {
		case current:
		case e.Mentions > 0:
			label += ", " + strconv.Itoa(e.Unread) + " unread, " + strconv.Itoa(e.Mentions) + " mentioning you"
		case e.Unread > 0:
			label += ", " + strconv.Itoa(e.Unread) + " unread"
		}
		class := "sb-roomlink"
		if e.Unread > 0 && !current {
			class += " sb-roomlink-unread"
		}
		link := app.A().
			Class(class).
			Href(pagePath(roomPrefix+e.Room)).
			Aria("label", label).
			Body(
				app.Span().Class("sb-roomlink-name").Aria("hidden", true).Text(title),
				app.If(e.Mentions > 0 && !current, func() app.UI {
					return app.Span().Class("sb-badge sb-badge-mention").Aria("hidden", true).Text("@" + strconv.Itoa(e.Mentions))
				}).ElseIf(e.Unread > 0 && !current, func() app.UI {
					return app.Span().Class("sb-badge").Aria("hidden", true).Text(unreadText(e.Unread))
				}),
			)
		if current {
			link = link.Aria("current", "page")
		}
		items = append(items, app.Li().Body(link))
	}
	return app.Nav().
		Class("sb-roomlist").
		Aria("label", "Your rooms").
		Body(
			app.H2().Class("sb-online-heading").Text("Rooms"),
			app.Ul().Class("sb-roomlist-items").Body(items...),
		)
}

// unreadText is a count for a badge: "99+" above 99.
func unreadText(n int) string {
	if n > 99 {
		return "99+"
	}
	return strconv.Itoa(n)
}

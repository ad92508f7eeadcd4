package client

import (
	"context"
	"fmt"

	"github.com/coder/websocket"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// A Session's feeds: for each room whose feed is wanted, the session asks
// for it (protocol.CmdFeed) once the room is joined on a connection, from
// the last feed position it has, and drops feed events it already has, as
// it does for messages.

// Feed adds room to the session, as Join does, and asks for its feed too:
// the feed answer (protocol.EvFeed; Recovered false means: replace what you
// have of the feed with its Events) and then each feed event (EvPoints)
// arrive on Events, without duplicates across reconnects.
func (s *Session) Feed(room string) {
	s.mu.Lock()
	pos := s.rooms[room]
	if pos == nil {
		pos = &position{}
		s.rooms[room] = pos
	}
	if pos.feed == nil {
		pos.feed = &mark{}
	}
	s.mu.Unlock()
	s.signal()
}

// syncFeeds asks for the feed of every room that wants it and is joined on
// c but has not asked there yet.
func (s *Session) syncFeeds(ctx context.Context, c *Conn) error {
	for {
		room, pos, ok := s.nextFeed(c)
		if !ok {
			return nil
		}
		cmd := protocol.Command{Type: protocol.CmdFeed, ID: c.NewID(), Room: room, Epoch: pos.epoch, Offset: pos.offset}
		c.markFeeding(cmd.ID, room)
		if err := c.Post(ctx, cmd); err != nil {
			return err
		}
	}
}

// nextFeed picks a room ready on c whose feed is wanted but not asked for.
func (s *Session) nextFeed(c *Conn) (string, mark, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for room, pos := range s.rooms {
		if pos.feed != nil && c.ready(room) && !c.feeding(room) {
			return room, *pos.feed, true
		}
	}
	return "", mark{}, false
}

// applyFeed moves the room's feed position to the end of what the feed
// answer carries.
func (s *Session) applyFeed(ev protocol.Event) {
	if ev.Type != protocol.EvFeed {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pos := s.rooms[ev.Room]
	if pos == nil || pos.feed == nil {
		return
	}
	pos.feed.epoch, pos.feed.offset = ev.Epoch, ev.Offset
	for _, e := range ev.Events {
		if e.Epoch == pos.feed.epoch && e.Offset > pos.feed.offset {
			pos.feed.offset = e.Offset
		}
	}
}

// Feed asks for room's feed on c (which must have joined it) and returns
// the feed answer; EvPoints events follow on Events.
func (c *Conn) Feed(ctx context.Context, room string) (protocol.Event, error) {
	return c.Do(ctx, protocol.Command{Type: protocol.CmdFeed, Room: room})
}

// PublishPoints publishes points to room's feed and returns the ack with
// the feed offset.
func (c *Conn) PublishPoints(ctx context.Context, room string, points ...protocol.Point) (protocol.Event, error) {
	return c.Do(ctx, protocol.Command{Type: protocol.CmdPoints, Room: room, Points: points})
}

// markFeeding records a feed command sent by a Session on c.
func (c *Conn) markFeeding(id, room string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.feeds == nil {
		c.feeds = make(map[string]string)
	}
	c.feeds[id] = room
}

// feeding reports whether a Session asked for room's feed on c.
func (c *Conn) feeding(room string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.feeds {
		if r == room {
			return true
		}
	}
	return false
}

// feedAnswered reports whether ref answers a feed command sent by a
// Session, and for which room. The room stays marked as asked for.
func (c *Conn) feedAnswered(ref string) (string, bool) {
	if ref == "" {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	room, ok := c.feeds[ref]
	return room, ok
}

// Cursor tells room that this person's pointer is at (x, y) on its board,
// in fractions of its width and height. Send at most
// protocol.CursorsPerSecond per second; the server drops the rest.
func (c *Conn) Cursor(ctx context.Context, room string, x, y float64) error {
	cmd := protocol.Command{Type: protocol.CmdCursor, Room: room, X: x, Y: y}
	if !c.binary {
		return c.Post(ctx, cmd)
	}
	cmd.ID = "-" // not sent: binary updates have no id
	if err := cmd.Validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageBinary, protocol.EncodeCursorUpdate(room, x, y)); err != nil {
		return fmt.Errorf("send cursor: %w", err)
	}
	return nil
}

// Cursor sends the person's pointer position on room's board over the
// current connection (see Conn.Cursor). It fails at once when not
// connected.
func (s *Session) Cursor(ctx context.Context, room string, x, y float64) error {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c == nil {
		return ErrNotConnected
	}
	return c.Cursor(ctx, room, x, y)
}

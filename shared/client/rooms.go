package client

import (
	"context"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// syncRooms asks to join every room not yet joined on c, from its
// position. The answers (joined or error) arrive in order with the room's
// events and are handled by pump.
func (s *Session) syncRooms(ctx context.Context, c *Conn) error {
	for {
		room, pos, ok := s.nextUnjoined(c)
		if !ok {
			return nil
		}
		cmd := protocol.Command{Type: protocol.CmdJoin, ID: c.NewID(), Room: room, Epoch: pos.epoch, Offset: pos.offset, Watch: pos.watch}
		c.markJoining(cmd.ID, room)
		if err := c.Post(ctx, cmd); err != nil {
			return err
		}
	}
}

// nextUnjoined picks a room c has not joined yet.
func (s *Session) nextUnjoined(c *Conn) (string, position, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for room, pos := range s.rooms {
		if !c.joined(room) {
			return room, *pos, true
		}
	}
	return "", position{}, false
}

// joinFailed handles a refused join: a store outage is retried on the next
// connection; any other refusal (a name clash, say) drops the room and
// tells the app.
func (s *Session) joinFailed(ctx context.Context, c *Conn, room string, ev protocol.Event) bool {
	if ev.Error != nil && ev.Error.Code == protocol.CodeUnavailable {
		c.closeWith(errStoreUnavailable)
		return true
	}
	ev.Room = room
	return s.dropRoom(ctx, room, ev.Error, &ev)
}

// dropRoom leaves room for good (a refused join, a kick): the session no
// longer rejoins it, and the outbox's commands for it are dropped, each
// answered with an error carrying perr. first, if set, is emitted before.
func (s *Session) dropRoom(ctx context.Context, room string, perr *protocol.Error, first *protocol.Event) bool {
	s.mu.Lock()
	delete(s.rooms, room)
	var dropped []protocol.Command
	kept := s.outbox[:0]
	for _, cmd := range s.outbox {
		if cmd.Room == room {
			dropped = append(dropped, cmd)
		} else {
			kept = append(kept, cmd)
		}
	}
	s.outbox = kept
	s.saveOutboxLocked()
	s.mu.Unlock()
	if first != nil && !s.emit(ctx, *first) {
		return false
	}
	for _, cmd := range dropped {
		if !s.emit(ctx, protocol.Event{Type: protocol.EvError, Ref: cmd.ID, Room: room, Error: perr}) {
			return false
		}
	}
	return true
}

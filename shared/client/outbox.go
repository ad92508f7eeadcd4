package client

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// OutboxStore keeps unacknowledged sends across reloads (the browser uses
// localStorage). Save is called with the whole outbox after every change.
type OutboxStore interface {
	Load() []protocol.Command
	Save([]protocol.Command)
}

// Send queues a command that changes a room (send, edit, delete) in the
// outbox and returns its id. It is sent when connected, and resent with the
// same id after a reconnect until the server acknowledges it; the ack (or a
// refusal) arrives on Events with Ref set to the id.
func (s *Session) Send(cmd protocol.Command) (string, error) {
	if cmd.ID == "" {
		cmd.ID = "o" + randomID() + "-" + time.Now().Format("150405.000")
	}
	if err := cmd.Validate(); err != nil {
		return "", err
	}
	s.mu.Lock()
	s.outbox = append(s.outbox, cmd)
	s.saveOutboxLocked()
	s.mu.Unlock()
	s.signal()
	return cmd.ID, nil
}

// Outbox returns the commands not yet acknowledged, oldest first.
func (s *Session) Outbox() []protocol.Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]protocol.Command(nil), s.outbox...)
}

// flushOutbox sends the outbox in order, each until acknowledged or refused.
// It stops at a command whose room is not joined yet on c; the joined
// answer wakes it again.
func (s *Session) flushOutbox(ctx context.Context, c *Conn) error {
	for {
		s.mu.Lock()
		if len(s.outbox) == 0 {
			s.mu.Unlock()
			return nil
		}
		cmd := s.outbox[0]
		_, wanted := s.rooms[cmd.Room]
		s.mu.Unlock()
		if !c.ready(cmd.Room) {
			if !wanted {
				// Sent for a room the session is not in: join it, so
				// nothing the person wrote is thrown away.
				s.Join(cmd.Room)
			}
			return nil
		}
		ans, err := c.Do(ctx, cmd)
		var perr *protocol.Error
		switch {
		case errors.As(err, &perr) && perr.Code == protocol.CodeUnavailable:
			return errStoreUnavailable // keep it; retry on the next connection
		case errors.As(err, &perr) && perr.Code == protocol.CodeNotJoined:
			return err // keep it; the next connection joins first
		case errors.As(err, &perr) && perr.Code == protocol.CodeRateLimited:
			return errSlowDown // keep it; retry after a pause on this connection
		case errors.As(err, &perr):
			ans = protocol.Event{Type: protocol.EvError, Ref: cmd.ID, Room: cmd.Room, Error: perr}
		case err != nil:
			return err // connection trouble: keep it for the next connection
		}
		s.mu.Lock()
		if len(s.outbox) > 0 && s.outbox[0].ID == cmd.ID {
			s.outbox = s.outbox[1:]
			s.saveOutboxLocked()
		}
		s.mu.Unlock()
		s.emit(ctx, ans)
	}
}

func (s *Session) saveOutboxLocked() {
	if s.opts.Outbox != nil {
		s.opts.Outbox.Save(append([]protocol.Command(nil), s.outbox...))
	}
}

package client

import (
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

type position struct {
	mark        // the last stored event handed to the app
	feed  *mark // the last feed event handed over; nil unless the room's feed is wanted
	watch bool  // joined with watch: the room is followed, not entered (see Session.Watch)
}

// mark is a place in a room's log: an epoch and an offset in it.
type mark struct {
	epoch  string
	offset uint64
}

// has reports whether the log place ev stands at is at or before m: an
// event the app already has.
func (m *mark) has(ev protocol.Event) bool { return ev.Epoch == m.epoch && ev.Offset <= m.offset }

// applyJoined moves the room's position to the end of what joined carries.
func (s *Session) applyJoined(ev protocol.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pos := s.rooms[ev.Room]
	if pos == nil {
		return
	}
	pos.epoch, pos.offset = ev.Epoch, ev.Offset
	for _, e := range ev.Events {
		if e.Epoch == pos.epoch && e.Offset > pos.offset {
			pos.offset = e.Offset
		}
	}
}

// markOfLocked returns the position the session holds of ev's log (the room's
// messages, or its feed for points), nil if it keeps none. s.mu is held.
func (s *Session) markOfLocked(ev protocol.Event) *mark {
	pos := s.rooms[ev.Room]
	switch {
	case pos == nil:
		return nil
	case ev.Type == protocol.EvPoints:
		return pos.feed
	default:
		return &pos.mark
	}
}

// epochMoved reports whether the stored event ev belongs to another epoch
// than the one the session holds of its log (a first event after an empty
// room's join starts the epoch, and is not a move).
func (s *Session) epochMoved(ev protocol.Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.markOfLocked(ev)
	return m != nil && m.epoch != "" && m.epoch != protocol.EpochNone && ev.Epoch != m.epoch
}

// seen reports whether the app already has the stored event ev.
func (s *Session) seen(ev protocol.Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.markOfLocked(ev)
	return m != nil && m.has(ev)
}

// advance records that the app has the stored event ev.
func (s *Session) advance(ev protocol.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.markOfLocked(ev); m != nil {
		m.epoch, m.offset = ev.Epoch, ev.Offset
	}
}

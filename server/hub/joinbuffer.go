package hub

import "github.com/switchboard-rt/switchboard/shared/protocol"

// joinBuffer holds the live events of one log (the room's messages, or its
// feed) for a member whose catch-up is still being read, so that the
// member gets the catch-up first and then every later event exactly once:
// one buffer for both logs (member and feedWatch embed it).
type joinBuffer struct {
	// pending: the catch-up is being read; live events wait in buf.
	pending bool
	buf     []bufferedEvent
	// overflow: more arrived than the buffer holds; the member must start
	// over (its join or feed request answers unavailable).
	overflow bool
}

type bufferedEvent struct {
	epoch  string
	offset uint64
	frame  []byte
}

// hold keeps ev (encoded: frame) while the catch-up is pending, and
// reports whether it did (or overflowed, past limit events): a member
// that is not pending gets its events live.
func (b *joinBuffer) hold(ev *protocol.Event, frame []byte, limit int) bool {
	if !b.pending {
		return false
	}
	if len(b.buf) >= limit {
		b.overflow = true
		return true
	}
	b.buf = append(b.buf, bufferedEvent{ev.Epoch, ev.Offset, frame})
	return true
}

// release ends the catch-up that answered the log up to pos: the held
// events after it go to c, in order; those the catch-up held are dropped.
func (b *joinBuffer) release(c Conn, pos Position) {
	for _, e := range b.buf {
		if e.epoch != pos.Epoch || e.offset > pos.Last {
			c.Deliver(e.frame)
		}
	}
	b.pending, b.buf = false, nil
}

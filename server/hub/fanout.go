package hub

import (
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// A room's fan-out: the events for its live local members (stored events
// and the relayed ones: presence, typing) are queued in the room's outbox
// and go out together, as one frame built once and shared by every member
// (a batch frame when there are several). A room sends at most one such
// frame per flush interval: the first event after a quiet interval goes at
// once, and what arrives within the interval after a flush waits for the
// next. So a quiet room adds no delay, and a busy one costs each member one
// write per interval whatever the message rate. The interval is
// FlushInterval, longer for a large room so that the room's frames per
// second (members / interval) stay within RoomFramesPerSecond: every frame
// costs a system call on each side (and a wakeup), and that, not the bytes,
// is what a room of a thousand runs out of first on a small machine.
//
// Acks and answers to a connection's own commands do not pass here: they
// are queued for that connection at once, never delayed by a flush.

// outbox is what a room's live members have not been sent yet. Guarded by
// the room's mu.
type outbox struct {
	frames [][]byte  // encoded events, in order
	bytes  int       // their total size
	last   time.Time // when the last frame went out
	// armed is set while a timer will flush; gen tells that timer from an
	// earlier one that was overtaken by a flush.
	armed bool
	gen   uint64
}

// queueLocked adds frame, an encoded event for every live local member,
// to the outbox and flushes it now or arms the timer for the next flush.
func (r *room) queueLocked(frame []byte) {
	if r.closed {
		return
	}
	o := &r.out
	o.frames = append(o.frames, frame)
	o.bytes += len(frame)
	if o.armed {
		if o.bytes >= protocol.MaxBatchBytes {
			r.flushLocked()
		}
		return
	}
	wait := r.flushIntervalLocked() - time.Since(o.last)
	if wait <= 0 || o.bytes >= protocol.MaxBatchBytes {
		r.flushLocked()
		return
	}
	o.armed = true
	gen := o.gen
	time.AfterFunc(wait, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.out.armed && r.out.gen == gen {
			r.flushLocked()
		}
	})
}

// flushIntervalLocked is the room's shortest time between two frames:
// FlushInterval, or longer in a room so large that its members would get
// more than RoomFramesPerSecond frames a second in all (members /
// RoomFramesPerSecond: 33 ms for a room of 1,000 with the defaults).
func (r *room) flushIntervalLocked() time.Duration {
	o := &r.hub.opts
	if o.FlushInterval < 0 {
		return 0
	}
	return max(o.FlushInterval, time.Duration(len(r.local))*time.Second/time.Duration(o.RoomFramesPerSecond))
}

// flushLocked sends the outbox to every live local member now: one frame
// (a batch of up to protocol.MaxBatchBytes) built once for all of them.
// Membership changes call it first, so a member never receives an event
// queued before it went live (its join sends those) nor misses one queued
// before it left.
func (r *room) flushLocked() {
	o := &r.out
	if o.armed {
		o.armed = false
		o.gen++
	}
	if len(o.frames) == 0 {
		return
	}
	o.last = time.Now()
	frames := o.frames
	for len(frames) > 0 && !r.closed {
		frame, n := frames[0], 1
		if len(frames) > 1 {
			// A new slice each time: members' writers hold it.
			frame, n = protocol.AppendBatch(nil, frames, protocol.MaxBatchBytes)
		}
		frames = frames[n:]
		for _, m := range r.local {
			if !m.pending {
				m.conn.Deliver(frame)
			}
		}
	}
	clear(o.frames)
	if cap(o.frames) > 256 {
		o.frames = nil // a burst is over: give the memory back
	} else {
		o.frames = o.frames[:0]
	}
	o.bytes = 0
}

package ui

import "github.com/switchboard-rt/switchboard/shared/protocol"

// position is how far a client has read a room: the epoch of the room's
// history and the offset of the last message it has. It decides which
// messages are new, so a reconnect that resumes from it shows every message
// once, and it is what a resuming join command carries.
//
// A position belongs to the session goroutine; it is not safe for concurrent use.
type position struct {
	Epoch  string
	Offset uint64
}

// resumable reports whether p can be sent in a join command (the protocol
// needs both an epoch and an offset).
func (p position) resumable() bool { return p.Epoch != "" && p.Offset > 0 }

// accept reports whether the stored event ev is new to p, and if so moves p
// to it. Within one epoch, anything at or below the last offset is a
// duplicate (a redelivery after a reconnect). An event of another epoch means
// the room's history was replaced: it is accepted and starts the new epoch.
// Events without an offset are not stored events and are always accepted.
func (p *position) accept(ev protocol.Event) bool {
	if ev.Offset == 0 {
		return true
	}
	if ev.Epoch == p.Epoch && ev.Offset <= p.Offset {
		return false
	}
	p.Epoch, p.Offset = ev.Epoch, ev.Offset
	return true
}

// join applies a joined event. It returns the messages to show and whether
// they replace everything shown so far (reset) or follow it. The list is
// replaced when the server could not recover from p (Recovered false), which
// is also the case of a first join.
func (p *position) join(ev protocol.Event) (msgs []protocol.Event, reset bool) {
	if !ev.Recovered || ev.Epoch != p.Epoch {
		*p = position{Epoch: ev.Epoch}
		reset = true
	}
	for _, e := range ev.Events {
		if e.Type != protocol.EvMessage {
			continue
		}
		if e.Epoch == "" {
			e.Epoch = ev.Epoch
		}
		if p.accept(e) {
			msgs = append(msgs, e)
		}
	}
	// The joined event's offset is the room's latest: everything up to it
	// has been delivered now.
	if ev.Epoch == p.Epoch && ev.Offset > p.Offset {
		p.Offset = ev.Offset
	}
	return msgs, reset
}

package ui

import (
	"slices"
	"strings"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// maxLines bounds the messages a room page keeps; older ones are dropped.
const maxLines = 1000

// roomModel is what a room page shows, without any rendering: the messages,
// the messages on their way, the members and the connection state. Its
// methods apply what the session reports. It belongs to the UI goroutine.
type roomModel struct {
	me      protocol.User
	status  connStatus
	lines   []protocol.Event // messages, oldest first
	pending []pendingSend    // sent by this page, not yet in lines
	members []protocol.User  // one per user id, sorted by name
	count   int              // people in the room, as the server counts them
	joined  bool             // a joined event arrived
	notice  string           // the last error the server sent, in plain words
}

// pendingSend is a message this page queued. It shows as "sending" until the
// message itself arrives, or until it is acknowledged and the room has moved
// past its offset.
type pendingSend struct {
	id     string
	text   string
	offset uint64 // from the ack; 0 until acknowledged
	failed string // why it was refused, while the session retries
}

// applyJoined takes the room's members and the messages to show.
func (m *roomModel) applyJoined(ev protocol.Event, msgs []protocol.Event, reset bool) {
	m.joined = true
	if reset {
		m.lines = nil
	}
	m.appendLines(msgs...)
	m.members = nil
	m.addMembers(ev.Members...)
	m.count = ev.Count
}

// applyMessage appends a new message.
func (m *roomModel) applyMessage(ev protocol.Event) {
	m.appendLines(ev)
}

func (m *roomModel) appendLines(evs ...protocol.Event) {
	for _, ev := range evs {
		m.lines = append(m.lines, ev)
		if ev.User != nil && ev.User.ID == m.me.ID {
			m.pending = slices.DeleteFunc(m.pending, func(p pendingSend) bool { return p.id == ev.ID })
		}
	}
	if over := len(m.lines) - maxLines; over > 0 {
		m.lines = slices.Delete(m.lines, 0, over)
	}
	m.dropDelivered()
}

// dropDelivered forgets acknowledged sends the list already covers (their
// message arrived under an id this page did not match, e.g. after a reset).
func (m *roomModel) dropDelivered() {
	if len(m.lines) == 0 {
		return
	}
	last := m.lines[len(m.lines)-1].Offset
	m.pending = slices.DeleteFunc(m.pending, func(p pendingSend) bool { return p.offset != 0 && p.offset <= last })
}

// applyPresence updates the members.
func (m *roomModel) applyPresence(ev protocol.Event) {
	m.addMembers(ev.Joined...)
	for _, u := range ev.Left {
		m.members = slices.DeleteFunc(m.members, func(x protocol.User) bool { return x.ID == u.ID })
	}
	if ev.Count > 0 || (len(ev.Joined) == 0 && len(ev.Left) == 0) {
		m.count = ev.Count
	}
}

func (m *roomModel) addMembers(us ...protocol.User) {
	for _, u := range us {
		i := slices.IndexFunc(m.members, func(x protocol.User) bool { return x.ID == u.ID })
		if i >= 0 {
			m.members[i] = u
			continue
		}
		m.members = append(m.members, u)
	}
	slices.SortStableFunc(m.members, func(a, b protocol.User) int {
		return strings.Compare(protocol.NameKey(a.Name), protocol.NameKey(b.Name))
	})
}

// onlineCount is the number shown in the "N online" heading.
func (m *roomModel) onlineCount() int {
	if m.count > 0 {
		return m.count
	}
	return len(m.members)
}

// addPending shows a message this page just queued.
func (m *roomModel) addPending(id, text string) {
	m.pending = append(m.pending, pendingSend{id: id, text: text})
}

// acked records the offset a queued message was stored at.
func (m *roomModel) acked(id string, offset uint64) {
	for i := range m.pending {
		if m.pending[i].id == id {
			m.pending[i].offset = offset
			m.pending[i].failed = ""
		}
	}
	m.dropDelivered()
}

// refused marks a queued message as refused. A dropped one leaves the list
// and its text is returned so the page can give it back to the composer.
func (m *roomModel) refused(id, why string, dropped bool) (text string) {
	for i, p := range m.pending {
		if p.id != id {
			continue
		}
		if dropped {
			m.pending = slices.Delete(m.pending, i, i+1)
			return p.text
		}
		m.pending[i].failed = why
		return ""
	}
	return ""
}

// position returns where the shown messages end, to resume from.
func (m *roomModel) position() position {
	if len(m.lines) == 0 {
		return position{}
	}
	last := m.lines[len(m.lines)-1]
	return position{Epoch: last.Epoch, Offset: last.Offset}
}

// unsent returns the messages queued and not yet acknowledged, oldest first.
func (m *roomModel) unsent() []outgoing {
	var out []outgoing
	for _, p := range m.pending {
		if p.offset == 0 {
			out = append(out, outgoing{id: p.id, text: p.text})
		}
	}
	return out
}

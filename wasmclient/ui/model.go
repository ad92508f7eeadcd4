package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// maxLines bounds the lines a room page keeps while live messages arrive;
// older ones are dropped (and can be loaded again as history).
const maxLines = 1000

// groupWindow is how close in time two messages of one person must be to
// show as one group (name and avatar once).
const groupWindow = 5 * time.Minute

// lineKind says what a line of the message list is.
type lineKind int

const (
	lineMessage lineKind = iota // a stored message
	lineNotice                  // "ann joined", "ann left"
)

// line is one entry of the message list.
type line struct {
	kind lineKind
	// ev is the stored message (lineMessage): offset, id, user, time.
	ev protocol.Event
	// text is the message text after its latest edit, or the notice.
	text    string
	edited  bool
	deleted bool
	// err says why the person's last edit or delete of it was refused.
	err string
}

// change is the latest edit or delete of a message, kept by target offset
// so that it applies when the message itself loads later (history pages
// arrive newest first, so an edit is often seen before its message).
type change struct {
	offset  uint64 // of the edit or delete event
	deleted bool
	text    string
}

// pendingSend is a message in the outbox. It shows as "Sending…" until the
// message itself arrives, or until it is acknowledged and the list has moved
// past its offset.
type pendingSend struct {
	id     string
	text   string
	target uint64 // the message it replies to, if any
	offset uint64 // from the ack; 0 until acknowledged
}

// typer is someone typing, until the indicator expires.
type typer struct {
	name  string
	until time.Time
}

// roomModel is what a room page shows, without any rendering: the lines,
// the outbox, the members, who is typing, the history state and the unread
// counts. Its methods apply what the session reports. It belongs to the UI
// goroutine.
type roomModel struct {
	me      protocol.User
	lines   []line          // oldest first
	pending []pendingSend   // in the outbox, not yet in lines
	members []protocol.User // one per user id, sorted by name
	count   int             // people in the room, as the server counts them
	joined  bool            // a joined event arrived
	seeded  bool            // lines come from the prerendered snapshot; not joined yet
	more    bool            // older history exists
	older   bool            // a history page is being loaded
	notice  string          // the last error the server sent, in plain words

	changes   map[uint64]change            // target offset → latest edit or delete
	reactions map[uint64]*messageReactions // target offset → its reactions
	have      map[uint64]bool              // offsets of the messages in lines
	typing    map[string]typer             // by user id

	hidden          bool   // the tab is hidden
	unread          int    // messages from others while hidden
	unreadMentions  int    // of which mention the reader
	divider         uint64 // the first message that arrived while hidden
	dividerOnUnread bool   // the next unread message moves the divider
}

// applyJoined takes the room's members and events. Recovered means the
// events follow what is shown; otherwise they replace it.
func (m *roomModel) applyJoined(ev protocol.Event) {
	m.joined, m.seeded = true, false
	if !ev.Recovered {
		m.lines, m.have, m.changes, m.reactions = nil, nil, nil, nil
		m.more = ev.More
	}
	m.appendStored(false, ev.Events...)
	m.members = nil
	m.addMembers(ev.Members...)
	m.count = ev.Count
}

// seed shows a room's recent stored events (oldest first) before the
// session has joined: the snapshot the server prerendered the page with.
// The joined event replaces them.
func (m *roomModel) seed(evs []protocol.Event, more bool) {
	m.appendStored(false, evs...)
	m.more, m.seeded = more, true
}

// reseed replaces what is shown, before joining, with evs (see seed).
func (m *roomModel) reseed(evs []protocol.Event) {
	hidden := m.hidden
	*m = roomModel{}
	m.setHidden(hidden)
	m.seed(evs, true)
}

// reset empties the model for a new session, keeping the visibility and,
// until the session has joined, the seeded lines.
func (m *roomModel) reset() {
	keep := roomModel{}
	if m.seeded {
		keep = roomModel{lines: m.lines, have: m.have, changes: m.changes, reactions: m.reactions, more: m.more, seeded: true}
	}
	keep.setHidden(m.hidden)
	*m = keep
}

// applyLive applies a live stored event (message, edit, delete).
func (m *roomModel) applyLive(ev protocol.Event) {
	m.appendStored(true, ev)
}

// appendStored adds stored events after the lines shown. live events count
// as unread while the tab is hidden.
func (m *roomModel) appendStored(live bool, evs ...protocol.Event) {
	for _, ev := range evs {
		switch ev.Type {
		case protocol.EvEdit, protocol.EvDelete:
			m.recordChange(ev)
		case protocol.EvReact, protocol.EvUnreact:
			m.recordReaction(ev)
		case protocol.EvMessage:
			if !m.addMessage(ev) {
				continue
			}
			m.lines = append(m.lines, m.messageLine(ev))
			if live {
				m.countUnread(ev)
			}
		}
	}
	if over := len(m.lines) - maxLines; over > 0 {
		for _, l := range m.lines[:over] {
			delete(m.have, l.ev.Offset)
			delete(m.reactions, l.ev.Offset)
		}
		m.lines = slices.Delete(m.lines, 0, over)
		m.more = true
	}
	m.dropDelivered()
}

// addMessage records a message's offset and what it settles (its pending
// send, its author's typing indicator); false means it is shown already.
func (m *roomModel) addMessage(ev protocol.Event) bool {
	if m.have == nil {
		m.have = make(map[uint64]bool)
	}
	if m.have[ev.Offset] {
		return false
	}
	m.have[ev.Offset] = true
	if ev.User != nil {
		delete(m.typing, ev.User.ID)
		if ev.User.ID == m.me.ID && ev.ID != "" {
			m.pending = slices.DeleteFunc(m.pending, func(p pendingSend) bool { return p.id == ev.ID })
		}
	}
	return true
}

// messageLine is the line of message ev, with its latest known change.
func (m *roomModel) messageLine(ev protocol.Event) line {
	l := line{kind: lineMessage, ev: ev, text: ev.Text}
	if ch, ok := m.changes[ev.Offset]; ok {
		applyChange(&l, ch)
	}
	return l
}

func applyChange(l *line, ch change) {
	if ch.deleted {
		l.deleted, l.text, l.edited = true, "", false
		return
	}
	if !l.deleted {
		l.text, l.edited = ch.text, true
	}
}

// recordChange keeps the latest edit or delete of its target (a delete is
// final) and applies it to the target if it is shown.
func (m *roomModel) recordChange(ev protocol.Event) {
	if ev.Target == 0 {
		return
	}
	if m.changes == nil {
		m.changes = make(map[uint64]change)
	}
	ch := change{offset: ev.Offset, deleted: ev.Type == protocol.EvDelete, text: ev.Text}
	if old, ok := m.changes[ev.Target]; ok && (old.deleted || old.offset > ch.offset) && !ch.deleted {
		return
	}
	m.changes[ev.Target] = ch
	if i := m.lineOf(ev.Target); i >= 0 {
		m.lines[i].err = ""
		applyChange(&m.lines[i], ch)
	}
}

// lineOf returns the index of the message at offset, or -1.
func (m *roomModel) lineOf(offset uint64) int {
	if !m.have[offset] {
		return -1
	}
	return slices.IndexFunc(m.lines, func(l line) bool { return l.kind == lineMessage && l.ev.Offset == offset })
}

// prependHistory adds an older page of stored events (oldest first) before
// the lines shown.
func (m *roomModel) prependHistory(evs []protocol.Event, more bool) {
	m.older, m.more = false, more
	for _, ev := range evs {
		switch ev.Type {
		case protocol.EvEdit, protocol.EvDelete:
			m.recordChange(ev)
		case protocol.EvReact, protocol.EvUnreact:
			m.recordReaction(ev)
		}
	}
	var page []line
	for _, ev := range evs {
		if ev.Type == protocol.EvMessage && m.addMessage(ev) {
			page = append(page, m.messageLine(ev))
		}
	}
	m.lines = append(page, m.lines...)
}

// oldestOffset is the offset of the oldest message shown (where the next
// history page ends), or 0.
func (m *roomModel) oldestOffset() uint64 {
	for _, l := range m.lines {
		if l.kind == lineMessage {
			return l.ev.Offset
		}
	}
	return 0
}

// epoch is the epoch of the messages shown.
func (m *roomModel) epoch() string {
	for _, l := range m.lines {
		if l.kind == lineMessage {
			return l.ev.Epoch
		}
	}
	return ""
}

// dropDelivered forgets acknowledged sends the list already covers.
func (m *roomModel) dropDelivered() {
	var last uint64
	for i := len(m.lines) - 1; i >= 0; i-- {
		if m.lines[i].kind == lineMessage {
			last = m.lines[i].ev.Offset
			break
		}
	}
	m.pending = slices.DeleteFunc(m.pending, func(p pendingSend) bool { return p.offset != 0 && p.offset <= last })
}

// applyPresence updates the members and notes who came and went.
func (m *roomModel) applyPresence(ev protocol.Event) {
	for _, u := range ev.Joined {
		known := slices.ContainsFunc(m.members, func(x protocol.User) bool { return x.ID == u.ID })
		if !known && u.ID != m.me.ID {
			m.lines = append(m.lines, line{kind: lineNotice, text: u.Name + " joined"})
		}
		m.addMembers(u)
	}
	for _, u := range ev.Left {
		known := slices.ContainsFunc(m.members, func(x protocol.User) bool { return x.ID == u.ID })
		if known && u.ID != m.me.ID {
			m.lines = append(m.lines, line{kind: lineNotice, text: u.Name + " left"})
		}
		m.members = slices.DeleteFunc(m.members, func(x protocol.User) bool { return x.ID == u.ID })
		delete(m.typing, u.ID)
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
		return strings.Compare(protocol.SortKey(a.Name), protocol.SortKey(b.Name))
	})
}

// names are the nicknames a message can mention.
func (m *roomModel) names() []string {
	out := make([]string, 0, len(m.members)+1)
	for _, u := range m.members {
		out = append(out, u.Name)
	}
	if m.me.Name != "" {
		out = append(out, m.me.Name)
	}
	return out
}

// onlineCount is the number shown in the "N online" heading.
func (m *roomModel) onlineCount() int {
	if m.count > 0 {
		return m.count
	}
	return len(m.members)
}

// addPending shows a message queued in the outbox (a reply to target, if
// not 0).
func (m *roomModel) addPending(id, text string, target uint64) {
	if slices.ContainsFunc(m.pending, func(p pendingSend) bool { return p.id == id }) {
		return
	}
	m.pending = append(m.pending, pendingSend{id: id, text: text, target: target})
}

// acked records the offset a queued message was stored at.
func (m *roomModel) acked(id string, offset uint64) {
	for i := range m.pending {
		if m.pending[i].id == id {
			m.pending[i].offset = offset
		}
	}
	m.dropDelivered()
}

// refused removes a refused message from the list and returns its text, so
// the page can give it back to the composer.
func (m *roomModel) refused(id string) (text string, ok bool) {
	for i, p := range m.pending {
		if p.id == id {
			m.pending = slices.Delete(m.pending, i, i+1)
			return p.text, true
		}
	}
	return "", false
}

// applyTyping shows that someone (never the reader) is typing.
func (m *roomModel) applyTyping(ev protocol.Event, now time.Time) {
	if ev.User == nil || ev.User.ID == m.me.ID {
		return
	}
	if m.typing == nil {
		m.typing = make(map[string]typer)
	}
	m.typing[ev.User.ID] = typer{name: ev.User.Name, until: now.Add(protocol.TypingTTL)}
}

// expireTyping drops indicators past their time; it reports a change.
func (m *roomModel) expireTyping(now time.Time) bool {
	n := len(m.typing)
	for id, t := range m.typing {
		if !now.Before(t.until) {
			delete(m.typing, id)
		}
	}
	return len(m.typing) != n
}

// typingText is what the Typing status says.
func (m *roomModel) typingText() string {
	names := make([]string, 0, len(m.typing))
	for _, t := range m.typing {
		names = append(names, t.name)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(protocol.SortKey(a), protocol.SortKey(b)) })
	return typingSentence(names)
}

// typingSentence says who is typing: one, two, or several people.
func typingSentence(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0] + " is typing…"
	case 2:
		return names[0] + " and " + names[1] + " are typing…"
	}
	return "Several people are typing…"
}

// setHidden records the tab's visibility. Showing the tab clears the unread
// counts; hiding it starts a new unread period.
func (m *roomModel) setHidden(hidden bool) {
	if hidden == m.hidden {
		return
	}
	m.hidden = hidden
	if hidden {
		m.dividerOnUnread = true
		return
	}
	m.unread, m.unreadMentions = 0, 0
}

// countUnread counts a live message from someone else while hidden, and
// puts the "New messages" divider before the first one.
func (m *roomModel) countUnread(ev protocol.Event) {
	if !m.hidden || ev.User == nil || ev.User.ID == m.me.ID {
		return
	}
	m.unread++
	if mentions(ev.Text, m.me.Name) {
		m.unreadMentions++
	}
	if m.dividerOnUnread {
		m.divider, m.dividerOnUnread = ev.Offset, false
	}
}

// lastOwn returns the last message of the reader that is not deleted.
func (m *roomModel) lastOwn() (line, bool) {
	for i := len(m.lines) - 1; i >= 0; i-- {
		l := m.lines[i]
		if l.kind == lineMessage && !l.deleted && l.ev.User != nil && l.ev.User.ID == m.me.ID {
			return l, true
		}
	}
	return line{}, false
}

// setLineError shows why an edit or delete of the message at offset failed.
func (m *roomModel) setLineError(offset uint64, why string) bool {
	if i := m.lineOf(offset); i >= 0 {
		m.lines[i].err = why
		return true
	}
	return false
}

// grouped reports whether cur continues prev's group: two messages by the
// same person within groupWindow.
func grouped(prev, cur line) bool {
	if prev.kind != lineMessage || cur.kind != lineMessage || prev.ev.User == nil || cur.ev.User == nil {
		return false
	}
	if prev.ev.User.ID != cur.ev.User.ID {
		return false
	}
	d := time.Duration(cur.ev.Time-prev.ev.Time) * time.Millisecond
	return d >= 0 && d < groupWindow
}

// titleText is the document title: the room, and while the tab is hidden
// the unread count, with mentions of the reader, e.g. "(3, 1 @) #lobby – Switchboard".
func titleText(room string, unread, mentions int) string {
	base := "#" + room + " – Switchboard"
	switch {
	case unread == 0:
		return base
	case mentions == 0:
		return "(" + strconv.Itoa(unread) + ") " + base
	}
	return "(" + strconv.Itoa(unread) + ", " + strconv.Itoa(mentions) + " @) " + base
}

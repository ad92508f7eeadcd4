package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// maxRecent is how many of a room's last messages the page keeps in local
// storage, so that a reload while the server cannot be reached (the
// service worker serves the page) still shows them.
const maxRecent = 30

// recent returns the last n messages shown (oldest first, edits applied,
// deleted ones left out), followed by their reactions, as a history event of room, and false before the
// session has joined (nothing live to keep).
func (m *roomModel) recent(room string, n int) (protocol.Event, bool) {
	if !m.joined {
		return protocol.Event{}, false
	}
	var evs []protocol.Event
	for i := len(m.lines) - 1; i >= 0 && len(evs) < n; i-- {
		l := m.lines[i]
		if l.kind != lineMessage || l.deleted {
			continue
		}
		ev := l.ev
		ev.Text = l.text
		evs = append(evs, ev)
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	for _, msg := range evs[:len(evs):len(evs)] {
		evs = append(evs, m.reactionEvents(msg)...)
	}
	return protocol.Event{Type: protocol.EvHistory, Room: room, Events: evs}, true
}

// lastOffset is the offset of the newest message shown, or 0.
func (m *roomModel) lastOffset() uint64 {
	for i := len(m.lines) - 1; i >= 0; i-- {
		if m.lines[i].kind == lineMessage {
			return m.lines[i].ev.Offset
		}
	}
	return 0
}

// staleFor reports whether kept (the room's messages from local storage)
// is newer than what the page shows before joining: nothing shown, or the
// same epoch up to an older offset (a prerendered page from the service
// worker's cache). A live or other-epoch list is left alone.
func (m *roomModel) staleFor(kept protocol.Event) bool {
	if m.joined || len(kept.Events) == 0 {
		return false
	}
	if len(m.lines) == 0 {
		return true
	}
	var newest protocol.Event // the newest kept message (reactions follow them)
	for _, e := range kept.Events {
		if e.Type == protocol.EvMessage {
			newest = e
		}
	}
	return newest.Epoch == m.epoch() && newest.Offset > m.lastOffset()
}

// saveRecent keeps the room's last messages in local storage (at most once
// per session tick: see roomPage.connect). Failures (quota, private mode)
// only lose them for an offline reload.
func saveRecent(s app.BrowserStorage, room string, m *roomModel) {
	ev, ok := m.recent(room, maxRecent)
	if !ok {
		return
	}
	if err := s.Set(keyRecentPrefix+room, ev); err != nil {
		app.Log("switchboard: cannot keep the room's last messages:", err)
	}
}

// loadRecent returns the room's messages kept by saveRecent.
func loadRecent(s app.BrowserStorage, room string) (protocol.Event, bool) {
	var ev protocol.Event
	if err := s.Get(keyRecentPrefix+room, &ev); err != nil || ev.Type != protocol.EvHistory || ev.Room != room {
		return protocol.Event{}, false
	}
	valid := ev.Events[:0]
	for _, e := range ev.Events {
		reaction := e.Type == protocol.EvReact && e.Target > 0 && e.User != nil
		if (e.Type == protocol.EvMessage || reaction) && e.Room == room && e.Offset > 0 {
			valid = append(valid, e)
		}
	}
	ev.Events = valid
	return ev, len(valid) > 0
}

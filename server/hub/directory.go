package hub

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// MaxDirectoryRooms is the most rooms a rooms event lists (busiest first).
const MaxDirectoryRooms = 100

// directory is the cluster's list of active rooms, built from every node's
// reports, and the connections watching it. Each watcher sees only the
// rooms it may enter: private rooms (by the settings' patterns, or
// declared by an admin) are listed only to people whose access names them.
type directory struct {
	mu       sync.Mutex
	reports  map[string]nodeReport   // by node
	watchers map[string]*roomWatcher // by conn id
	list     []dirEntry              // last list built for watchers
	built    bool                    // list was built at least once
	lastSent map[string]int          // this node's last published report
	// declared caches whether an admin declared each listed room private
	// (the store's answer), refreshed every PresenceInterval by
	// publishDirectory and at once by joins and privacy changes here.
	declared map[string]declaredPrivacy
}

// roomWatcher is a connection watching the directory and the last list
// frame it was sent (without a ref).
type roomWatcher struct {
	conn Conn
	last []byte
}

// dirEntry is one room of the directory and whether an admin declared it
// private, or it is not known yet (pattern privacy is the hub's settings,
// checked per watcher).
type dirEntry struct {
	info     protocol.RoomInfo
	declared bool
}

type declaredPrivacy struct {
	private bool
	checked time.Time
}

type nodeReport struct {
	rooms map[string]int
	at    time.Time
}

func newDirectory() directory {
	return directory{
		reports: make(map[string]nodeReport), watchers: make(map[string]*roomWatcher),
		declared: make(map[string]declaredPrivacy),
	}
}

// report stores a node's report (from the broker).
func (d *directory) report(r DirectoryReport) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reports[r.Node] = nodeReport{rooms: r.Rooms, at: time.Now()}
}

// learnPrivate records the store's answer on whether room is declared
// private, learned at now.
func (d *directory) learnPrivate(room string, private bool, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.declared[room] = declaredPrivacy{private: private, checked: now}
}

// publishDirectory sends this node's report when it changed, or always
// when force is set (the periodic restatement that keeps it from expiring).
// It also looks up the declared privacy of listed rooms not checked within
// PresenceInterval, for the watchers' lists.
func (h *Hub) publishDirectory(force bool) {
	rooms := make(map[string]int)
	for _, r := range h.roomList() {
		r.mu.Lock()
		if !r.closed && len(r.people) > 0 && !isInbox(r.name) {
			rooms[r.name] = len(r.people)
		}
		r.mu.Unlock()
	}
	h.dir.mu.Lock()
	changed := !maps.Equal(rooms, h.dir.lastSent)
	if changed || force {
		h.dir.lastSent = rooms
	}
	h.dir.mu.Unlock()
	h.checkDeclared()
	if !changed && !force {
		return
	}
	if err := h.broker.PublishDirectory(DirectoryReport{Node: h.opts.Node, Rooms: rooms}); err != nil {
		h.log.Debug("publish directory", "err", err)
	}
}

// checkDeclared asks the store whether the rooms the directory lists (and
// the watchers could see) were declared private, for those not checked
// within PresenceInterval, and forgets rooms no longer listed. A room
// never looked up successfully counts as private (entriesLocked). Nothing
// is looked up while nobody watches.
func (h *Hub) checkDeclared() {
	now := h.opts.Now()
	var stale []string
	h.dir.mu.Lock()
	listed := h.dir.countsLocked()
	for room, p := range h.dir.declared {
		if _, ok := listed[room]; !ok && now.Sub(p.checked) > h.opts.PresenceTTL {
			delete(h.dir.declared, room)
		}
	}
	if len(h.dir.watchers) > 0 {
		for room := range listed {
			if matchAny(h.opts.PrivateRooms, room) {
				continue // private whatever the store says
			}
			if p, ok := h.dir.declared[room]; !ok || now.Sub(p.checked) >= h.opts.PresenceInterval {
				stale = append(stale, room)
			}
		}
	}
	h.dir.mu.Unlock()
	if len(stale) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(h.opts.DirectoryInterval, time.Second))
	defer cancel()
	for _, room := range stale {
		private, err := h.broker.Private(ctx, room)
		h.dir.mu.Lock()
		if err == nil {
			h.dir.declared[room] = declaredPrivacy{private: private, checked: now}
		}
		h.dir.mu.Unlock()
		if err != nil {
			h.log.Debug("directory privacy", "room", room, "err", err)
			if ctx.Err() != nil {
				return
			}
		}
	}
}

// refreshDirectory drops stale reports, rebuilds the list, and sends each
// watcher the rooms it may enter if those changed.
func (h *Hub) refreshDirectory() {
	d := &h.dir
	now, ttl := h.opts.Now(), h.opts.PresenceTTL
	d.mu.Lock()
	defer d.mu.Unlock()
	for node, r := range d.reports {
		if now.Sub(r.at) > ttl {
			delete(d.reports, node)
		}
	}
	list := d.entriesLocked()
	if slices.Equal(list, d.list) && d.built {
		return
	}
	d.list, d.built = list, true
	frames := make(map[string][]byte) // by access, encoded once each
	for _, w := range d.watchers {
		a := w.conn.Access()
		key := a.Role + "\x00" + strings.Join(a.Rooms, "\x00")
		frame, ok := frames[key]
		if !ok {
			ev := protocol.Event{Type: protocol.EvRooms, Rooms: h.visible(list, a)}
			var err error
			if frame, err = ev.Encode(); err != nil {
				continue
			}
			frames[key] = frame
		}
		if !bytes.Equal(frame, w.last) {
			w.last = frame
			w.conn.Deliver(frame)
		}
	}
}

// visible returns the rooms of list that access a may enter, at most
// MaxDirectoryRooms. It never returns nil (the rooms event lists none).
func (h *Hub) visible(list []dirEntry, a Access) []protocol.RoomInfo {
	out := []protocol.RoomInfo{}
	for _, e := range list {
		if len(out) == MaxDirectoryRooms {
			break
		}
		if h.mayEnter(a, e.info.Name, e.declared) {
			out = append(out, e.info)
		}
	}
	return out
}

// countsLocked merges the reports: a room's count is the largest any node
// reports (each node with members there knows the whole room's presence).
func (d *directory) countsLocked() map[string]int {
	counts := make(map[string]int)
	for _, r := range d.reports {
		for name, n := range r.rooms {
			counts[name] = max(counts[name], n)
		}
	}
	return counts
}

// entriesLocked lists every active room, busiest first, with what is known
// of its declared privacy: a room not looked up yet counts as private
// until checkDeclared learns otherwise (at the next refresh).
func (d *directory) entriesLocked() []dirEntry {
	counts := d.countsLocked()
	list := make([]dirEntry, 0, len(counts))
	for name, n := range counts {
		p, known := d.declared[name]
		list = append(list, dirEntry{info: protocol.RoomInfo{Name: name, Online: n}, declared: !known || p.private})
	}
	slices.SortFunc(list, func(a, b dirEntry) int {
		if a.info.Online != b.info.Online {
			return b.info.Online - a.info.Online
		}
		return strings.Compare(a.info.Name, b.info.Name)
	})
	return list
}

// buildLocked lists every active room, private ones included, busiest
// first, at most MaxDirectoryRooms: the operator's view (the admin
// dashboard) and the HTTP API's, which filters it by key.
func (d *directory) buildLocked() []protocol.RoomInfo {
	entries := d.entriesLocked()
	list := make([]protocol.RoomInfo, 0, min(len(entries), MaxDirectoryRooms))
	for _, e := range entries[:min(len(entries), MaxDirectoryRooms)] {
		list = append(list, e.info)
	}
	return list
}

// WatchRooms answers a rooms command with the current list of the rooms c
// may enter and keeps c updated until it disconnects.
func (h *Hub) WatchRooms(c Conn, ref string) {
	h.dir.mu.Lock()
	defer h.dir.mu.Unlock()
	w := &roomWatcher{conn: c}
	h.dir.watchers[c.ID()] = w
	rooms := h.visible(h.dir.entriesLocked(), c.Access())
	if frame, err := (&protocol.Event{Type: protocol.EvRooms, Rooms: rooms}).Encode(); err == nil {
		w.last = frame
	}
	ev := protocol.Event{Type: protocol.EvRooms, Ref: ref, Rooms: rooms}
	if frame, err := ev.Encode(); err == nil {
		c.Deliver(frame)
	}
}

// unwatchRooms stops updates to c.
func (h *Hub) unwatchRooms(c Conn) {
	h.dir.mu.Lock()
	delete(h.dir.watchers, c.ID())
	h.dir.mu.Unlock()
}

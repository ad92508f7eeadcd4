package hub

import (
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
// reports, and the connections watching it.
type directory struct {
	mu       sync.Mutex
	reports  map[string]nodeReport // by node
	watchers map[string]Conn       // by conn id
	list     []protocol.RoomInfo   // last list sent to watchers
	frame    []byte                // its encoding
	lastSent map[string]int        // this node's last published report
}

type nodeReport struct {
	rooms map[string]int
	at    time.Time
}

func newDirectory() directory {
	return directory{reports: make(map[string]nodeReport), watchers: make(map[string]Conn)}
}

// report stores a node's report (from the broker).
func (d *directory) report(r DirectoryReport) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reports[r.Node] = nodeReport{rooms: r.Rooms, at: time.Now()}
}

// publishDirectory sends this node's report when it changed, or always
// when force is set (the periodic restatement that keeps it from expiring).
func (h *Hub) publishDirectory(force bool) {
	rooms := make(map[string]int)
	for _, r := range h.roomList() {
		r.mu.Lock()
		if !r.closed && len(r.people) > 0 {
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
	if !changed && !force {
		return
	}
	if err := h.broker.PublishDirectory(DirectoryReport{Node: h.opts.Node, Rooms: rooms}); err != nil {
		h.log.Debug("publish directory", "err", err)
	}
}

// refresh drops stale reports, rebuilds the list, and sends it to watchers
// if it changed.
func (d *directory) refresh(now time.Time, ttl time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for node, r := range d.reports {
		if now.Sub(r.at) > ttl {
			delete(d.reports, node)
		}
	}
	list := d.buildLocked()
	if slices.Equal(list, d.list) && d.frame != nil {
		return
	}
	d.list = list
	ev := protocol.Event{Type: protocol.EvRooms, Rooms: list}
	frame, err := ev.Encode()
	if err != nil {
		return
	}
	d.frame = frame
	for _, c := range d.watchers {
		c.Deliver(frame)
	}
}

// buildLocked merges the reports: a room's count is the largest any node
// reports (each node with members there knows the whole room's presence).
func (d *directory) buildLocked() []protocol.RoomInfo {
	counts := make(map[string]int)
	for _, r := range d.reports {
		for name, n := range r.rooms {
			counts[name] = max(counts[name], n)
		}
	}
	list := make([]protocol.RoomInfo, 0, len(counts))
	for name, n := range counts {
		list = append(list, protocol.RoomInfo{Name: name, Online: n})
	}
	slices.SortFunc(list, func(a, b protocol.RoomInfo) int {
		if a.Online != b.Online {
			return b.Online - a.Online
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(list) > MaxDirectoryRooms {
		list = list[:MaxDirectoryRooms]
	}
	return list
}

// WatchRooms answers a rooms command with the current list and keeps c
// updated until it disconnects.
func (h *Hub) WatchRooms(c Conn, ref string) {
	h.dir.mu.Lock()
	h.dir.watchers[c.ID()] = c
	list := h.dir.buildLocked()
	h.dir.mu.Unlock()
	ev := protocol.Event{Type: protocol.EvRooms, Ref: ref, Rooms: list}
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

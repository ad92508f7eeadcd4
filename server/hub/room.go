package hub

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// room is one room with members on this node. Its broker subscription feeds
// deliver and presence; its lock guards everything below mu.
type room struct {
	name   string
	hub    *Hub
	ready  chan struct{} // closed once sub is set up (or failed: initErr)
	sub    Subscription
	initEr error
	// quiet rooms (a person's inbox: isInbox) tell the other nodes nothing
	// of who is in them: nobody else sees their members, and each node
	// would otherwise restate one per person every PresenceInterval.
	quiet bool

	mu      sync.Mutex
	closed  bool
	local   map[string]*member           // this node's connections, by conn id
	nodes   map[string]*nodeMembers      // every node's connections, this one included
	people  map[string]int               // connections per user id, all nodes
	names   map[string]protocol.User     // user id → user, for the member list
	keys    map[string]protocol.NameKeys // user id → the keys of their name
	epoch   string                       // position of the last event delivered
	last    uint64
	lastLog time.Time
	typing  map[string]time.Time // last typing signal relayed, by user id
	feed    logPos               // position of the last feed event delivered
	cur     cursorState          // live cursors
	out     outbox               // events for the live members, not sent yet
	joining int                  // members of local still pending (reading history)
}

// member is a local connection in the room. While its join reads history,
// live events wait in its joinBuffer.
type member struct {
	conn Conn
	joinBuffer
	feed  *feedWatch // nil unless the member asked for the room's feed
	watch bool       // follows the room only: not in its presence
}

// nodeMembers are the connections one node has in the room.
type nodeMembers struct {
	conns map[string]protocol.User
	seen  time.Time
}

func newRoom(h *Hub, name string) *room {
	return &room{
		name:   name,
		hub:    h,
		quiet:  isInbox(name),
		ready:  make(chan struct{}),
		local:  make(map[string]*member),
		nodes:  make(map[string]*nodeMembers),
		people: make(map[string]int),
		names:  make(map[string]protocol.User),
		keys:   make(map[string]protocol.NameKeys),
		typing: make(map[string]time.Time),
	}
}

// init subscribes to the room and learns its position. Called once, by the
// goroutine that created the room.
func (r *room) init(ctx context.Context) {
	defer close(r.ready)
	sub, err := r.hub.broker.Subscribe(r.name, RoomHandlers{
		Event: r.onEvent, Presence: r.onPresence, Ephemeral: r.onEphemeral, Points: r.onPoints,
	})
	if err != nil {
		r.initEr = err
		return
	}
	pos, err := r.hub.broker.Position(ctx, r.name)
	if err != nil {
		sub.Unsubscribe()
		r.initEr = err
		return
	}
	r.mu.Lock()
	r.sub = sub
	r.epoch, r.last = pos.Epoch, pos.Last
	r.mu.Unlock()
	// Ask the other nodes who they have in the room.
	if err := r.announce(Presence{Node: r.hub.opts.Node, Op: PresenceSync}); err != nil {
		r.hub.log.Warn("presence sync", "room", r.name, "err", err)
	}
}

// announce tells the other nodes p, unless the room is quiet.
func (r *room) announce(p Presence) error {
	if r.quiet {
		return nil
	}
	return r.hub.broker.Announce(r.name, p)
}

func (r *room) close() {
	r.mu.Lock()
	r.closed = true
	sub := r.sub
	r.sub = nil
	r.mu.Unlock()
	if sub != nil {
		sub.Unsubscribe()
	}
}

// onEvent receives a stored event from the broker. Events arrive in offset
// order but may be missing (the live path is at-most-once) or repeated; a gap
// is filled from the store, a repeat dropped.
func (r *room) onEvent(ev protocol.Event) {
	r.mu.Lock()
	pos := logPos{r.epoch, r.last}
	r.mu.Unlock()
	events := r.fill(r.hub.broker, pos, ev)
	for i := range events {
		r.deliver(&events[i])
	}
}

// logPos is the position of the last event a room delivered from a log.
type logPos struct {
	epoch string
	last  uint64
}

// fill returns ev preceded by the events of log missing between pos and
// it (live delivery is at most once; the log has them all).
func (r *room) fill(log Log, pos logPos, ev protocol.Event) []protocol.Event {
	if ev.Epoch != pos.epoch || pos.last == 0 || ev.Offset <= pos.last+1 {
		return []protocol.Event{ev}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	missing, err := log.Read(ctx, r.name, pos.last+1, int(ev.Offset-pos.last-1))
	cancel()
	if err != nil {
		r.hub.log.Warn("fill gap in live events", "room", r.name, "from", pos.last+1, "to", ev.Offset-1, "err", err)
	}
	return append(missing, ev)
}

// deliver encodes ev once and queues it for every local member: the live
// ones through the room's outbox (fanout.go), the joining ones in their
// join buffers.
func (r *room) deliver(ev *protocol.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || (ev.Epoch == r.epoch && ev.Offset <= r.last) {
		return
	}
	r.epoch, r.last = ev.Epoch, ev.Offset
	frame, err := ev.Encode()
	if err != nil {
		r.hub.log.Error("encode event", "room", r.name, "err", err)
		return
	}
	m := r.hub.opts.Metrics
	if ev.Time > 0 {
		m.DeliverySeconds.Observe(max(0, r.hub.opts.Now().Sub(time.UnixMilli(ev.Time)).Seconds()))
	}
	m.MessagesDelivered.Add(float64(len(r.local)))
	r.bufferJoiningLocked(ev, frame)
	r.queueLocked(frame)
}

// bufferJoiningLocked adds the stored event ev (encoded: frame) to the join
// buffer of every member still reading history; with none joining, the
// common case, it does not walk the members.
func (r *room) bufferJoiningLocked(ev *protocol.Event, frame []byte) {
	if r.joining == 0 {
		return
	}
	for _, m := range r.local {
		m.hold(ev, frame, r.hub.opts.JoinBuffer)
	}
}

// broadcastLocked queues a non-stored event for every live local member.
func (r *room) broadcastLocked(ev *protocol.Event) {
	frame, err := ev.Encode()
	if err != nil {
		r.hub.log.Error("encode event", "room", r.name, "err", err)
		return
	}
	r.queueLocked(frame)
}

// onEphemeral passes a relayed event (typing) to the live local members.
func (r *room) onEphemeral(ev protocol.Event) {
	switch ev.Type {
	case protocol.EvKicked:
		r.kick(ev)
		return
	case protocol.EvCursors:
		r.onCursors(ev)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.broadcastLocked(&ev)
	}
}

// nameTakenLocked reports whether someone other than userID uses a
// nickname that looks like name (see protocol.NameKeys).
func (r *room) nameTakenLocked(name, userID string) bool {
	keys := protocol.KeysOf(name)
	for id, k := range r.keys {
		if id != userID && keys.Clash(k) {
			return true
		}
	}
	return false
}

// suggestLocked proposes a free nickname like name: name2, name3, …
func (r *room) suggestLocked(name, userID string) string {
	for i := 2; ; i++ {
		suffix := strconv.Itoa(i)
		base := []rune(name)
		if len(base)+len(suffix) > protocol.MaxNameRunes {
			base = base[:protocol.MaxNameRunes-len(suffix)]
		}
		s := string(base) + suffix
		if !r.nameTakenLocked(s, userID) {
			return s
		}
	}
}

// onPresence applies an announcement from another node (or answers a sync).
func (r *room) onPresence(p Presence) {
	self := r.hub.opts.Node
	if p.Node == self {
		return
	}
	if p.Op == PresenceSync {
		r.announceState()
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	now := r.hub.opts.Now()
	n := r.nodes[p.Node]
	if n == nil {
		n = &nodeMembers{conns: make(map[string]protocol.User)}
		r.nodes[p.Node] = n
	}
	n.seen = now
	var joined, left []protocol.User
	switch p.Op {
	case PresenceJoin:
		if _, ok := n.conns[p.Conn]; !ok {
			n.conns[p.Conn] = p.User
			joined = r.addPersonLocked(p.User, joined)
		}
	case PresenceLeave:
		if u, ok := n.conns[p.Conn]; ok {
			delete(n.conns, p.Conn)
			left = r.removePersonLocked(u, left)
		}
	case PresenceState:
		next := make(map[string]protocol.User, len(p.Members))
		for _, m := range p.Members {
			next[m.Conn] = m.User
		}
		for c, u := range n.conns {
			if _, ok := next[c]; !ok {
				delete(n.conns, c)
				left = r.removePersonLocked(u, left)
			}
		}
		for c, u := range next {
			if _, ok := n.conns[c]; !ok {
				n.conns[c] = u
				joined = r.addPersonLocked(u, joined)
			}
		}
	}
	r.notifyLocked(joined, left)
}

// expire forgets the members of every other node not heard from for
// PresenceTTL. Hub.Run calls it every Options.ExpiryCheck.
func (r *room) expire(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var left []protocol.User
	for node, n := range r.nodes {
		if node == r.hub.opts.Node || now.Sub(n.seen) < r.hub.opts.PresenceTTL {
			continue
		}
		for _, u := range n.conns {
			left = r.removePersonLocked(u, left)
		}
		delete(r.nodes, node)
		r.hub.log.Info("presence expired", "room", r.name, "node", node)
	}
	r.notifyLocked(nil, left)
}

// announceState tells the other nodes this node's members of the room
// (not for a quiet room).
func (r *room) announceState() {
	if r.quiet {
		return
	}
	r.mu.Lock()
	p := Presence{Node: r.hub.opts.Node, Op: PresenceState, Members: make([]PresenceConn, 0, len(r.local))}
	for id, m := range r.local {
		if !m.watch {
			p.Members = append(p.Members, PresenceConn{Conn: id, User: m.conn.User()})
		}
	}
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return
	}
	if err := r.announce(p); err != nil {
		r.logRateLimited("presence announce failed", err)
	}
}

func (r *room) logRateLimited(msg string, err error) {
	r.mu.Lock()
	now := r.hub.opts.Now()
	skip := now.Sub(r.lastLog) < time.Minute
	if !skip {
		r.lastLog = now
	}
	r.mu.Unlock()
	if !skip {
		r.hub.log.Warn(msg, "room", r.name, "err", err)
	}
}

// addPersonLocked counts one more connection of u; a person's first
// connection is appended to joined.
func (r *room) addPersonLocked(u protocol.User, joined []protocol.User) []protocol.User {
	r.people[u.ID]++
	if r.people[u.ID] == 1 {
		r.names[u.ID] = u
		r.keys[u.ID] = protocol.KeysOf(u.Name)
		joined = append(joined, u)
	}
	return joined
}

// removePersonLocked counts one connection of u less; a person's last
// connection is appended to left.
func (r *room) removePersonLocked(u protocol.User, left []protocol.User) []protocol.User {
	r.people[u.ID]--
	if r.people[u.ID] <= 0 {
		delete(r.people, u.ID)
		delete(r.names, u.ID)
		delete(r.keys, u.ID)
		left = append(left, u)
	}
	return left
}

// notifyLocked tells local members who came and went.
func (r *room) notifyLocked(joined, left []protocol.User) {
	if len(joined) == 0 && len(left) == 0 {
		return
	}
	r.cursorsPresenceLocked(joined, left)
	r.hub.noteActivity(r.name, joined, left, len(r.people)-len(joined)+len(left), len(r.people))
	r.broadcastLocked(&protocol.Event{
		Type: protocol.EvPresence, Room: r.name,
		Joined: joined, Left: left, Count: len(r.people),
	})
}

// membersLocked lists the people in the room, one entry per user, by name.
func (r *room) membersLocked() []protocol.User { return sortedUsers(r.names) }

// sortedUsers lists the users of a map by id, by name (then id).
func sortedUsers(byID map[string]protocol.User) []protocol.User {
	list := make([]protocol.User, 0, len(byID))
	for _, u := range byID {
		list = append(list, u)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Name != list[j].Name {
			return list[i].Name < list[j].Name
		}
		return list[i].ID < list[j].ID
	})
	return list
}

func (r *room) localNodeLocked() *nodeMembers {
	n := r.nodes[r.hub.opts.Node]
	if n == nil {
		n = &nodeMembers{conns: make(map[string]protocol.User)}
		r.nodes[r.hub.opts.Node] = n
	}
	return n
}

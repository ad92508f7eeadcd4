package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Room activity for the webhooks (Options.Activity). Every node with
// members in a room sees the same people come and go (its own connections
// and the others' presence announcements, or their expiry when a node
// dies), so each records every transition it sees: the broker stores each
// transition once (ActivityLog.Transition), whichever node is first, and
// a person's joined and left (and a room's occupied and vacated) strictly
// alternate. Kicks and bans are recorded by the moderator's node.
//
// One case no view shows: the last people of a room (or a person's last
// connections) leaving on several nodes at once. Each node sees its own
// leave while the others still look present, and then stops following the
// room. So a node whose connection leaves while its view still shows the
// person, or the room, elsewhere asks the cluster who is there
// (confirmAbsence): the node that leaves last finds nobody, and stores the
// left or vacated. A node that dies is noticed by the others with members
// in the room (presence expiry); if none has any, its people's left and
// the room's vacated are not stored.

// activityQueue bounds the transitions waiting for the activity worker.
const activityQueue = 4096

// activityTries bounds the attempts at storing one transition.
const activityTries = 5

// activityJob is what one presence change brought: people who came and
// went, and whether the room filled or emptied.
type activityJob struct {
	room              string
	joined, left      []protocol.User
	occupied, vacated bool
	at                time.Time
	// confirm: a local leave left these people, or the room (confirmRoom),
	// looking present elsewhere (see confirmAbsence).
	confirm     []protocol.User
	confirmRoom bool
}

// confirmWait is how long confirmAbsence waits for the nodes' answers.
const confirmWait = PresenceQueryWait

// maxConfirming bounds the absence checks waiting at once.
const maxConfirming = 64

// noteActivity queues a presence change of room (before and after: its
// people) for the worker, without blocking; the caller holds the room's
// lock.
func (h *Hub) noteActivity(room string, joined, left []protocol.User, before, after int) {
	if h.activity == nil || isInbox(room) {
		return
	}
	job := activityJob{
		room: room, joined: joined, left: left,
		occupied: before == 0 && after > 0, vacated: before > 0 && after == 0,
		at: h.opts.Now(),
	}
	h.queueActivity(job)
}

// queueActivity hands job to the worker without blocking.
func (h *Hub) queueActivity(job activityJob) {
	select {
	case h.activity <- job:
	default:
		h.log.Warn("room activity dropped: the activity queue is full", "room", job.room, "queue", activityQueue)
	}
}

// noteLocalLeave queues an absence check after u's connection left room
// (the room's lock held): when u still looks present (by connections
// elsewhere), or the room does though this node has nobody left in it.
func (r *room) noteLocalLeave(u protocol.User) {
	h := r.hub
	if h.activity == nil || isInbox(r.name) {
		return
	}
	local := false
	for _, lu := range r.nodes[h.opts.Node].conns {
		if lu.ID == u.ID {
			local = true
			break
		}
	}
	job := activityJob{room: r.name, at: h.opts.Now()}
	if _, still := r.people[u.ID]; still && !local {
		job.confirm = []protocol.User{u}
	}
	job.confirmRoom = len(r.nodes[h.opts.Node].conns) == 0 && len(r.people) > 0
	if len(job.confirm) > 0 || job.confirmRoom {
		h.queueActivity(job)
	}
}

// activityDrain bounds the storing of what is queued when the hub stops
// (the people of a node shutting down leave just before).
const activityDrain = 5 * time.Second

// recordActivity stores the queued transitions, in order, until ctx ends;
// then what is queued, within activityDrain.
func (h *Hub) recordActivity(ctx context.Context) {
	defer h.confirms.Wait()
	for {
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), activityDrain)
			defer cancel()
			for dctx.Err() == nil {
				select {
				case job := <-h.activity:
					h.record(dctx, job)
				default:
					return
				}
			}
			return
		case job := <-h.activity:
			h.record(ctx, job)
		}
	}
}

// record stores one job's transitions.
func (h *Hub) record(ctx context.Context, job activityJob) {
	at := job.at.UnixMilli()
	for _, u := range job.joined {
		h.transition(ctx, job.room, u.ID, protocol.Event{Type: protocol.EvMemberJoined, User: &u, Time: at})
	}
	for _, u := range job.left {
		h.transition(ctx, job.room, u.ID, protocol.Event{Type: protocol.EvMemberLeft, User: &u, Time: at})
	}
	switch {
	case job.occupied:
		h.transition(ctx, job.room, "", protocol.Event{Type: protocol.EvRoomOccupied, Time: at})
	case job.vacated:
		h.transition(ctx, job.room, "", protocol.Event{Type: protocol.EvRoomVacated, Time: at})
	}
	if len(job.confirm) > 0 || job.confirmRoom {
		h.confirming <- struct{}{}
		h.confirms.Go(func() {
			defer func() { <-h.confirming }()
			h.confirmAbsence(ctx, job)
		})
	}
}

// confirmAbsence asks every node with members in job's room who is there
// (a presence sync, answered by each node's state), and stores left for
// the people of job.confirm who are not, and vacated if nobody is.
func (h *Hub) confirmAbsence(ctx context.Context, job activityJob) {
	present, err := h.whoIsHere(ctx, job.room)
	if err != nil {
		h.log.Warn("room activity: absence check", "room", job.room, "err", err)
		return
	}
	at := h.opts.Now().UnixMilli()
	for _, u := range job.confirm {
		if !present[u.ID] {
			h.transition(ctx, job.room, u.ID, protocol.Event{Type: protocol.EvMemberLeft, User: &u, Time: at})
		}
	}
	if job.confirmRoom && len(present) == 0 {
		h.transition(ctx, job.room, "", protocol.Event{Type: protocol.EvRoomVacated, Time: at})
	}
}

// transition stores one transition, retrying while the store fails.
func (h *Hub) transition(ctx context.Context, room, subject string, ev protocol.Event) {
	ev.Room, ev.ID = room, activityID()
	pause := 100 * time.Millisecond
	for try := 1; ; try++ {
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := h.opts.Activity.Transition(tctx, room, subject, ev)
		cancel()
		if err == nil || ctx.Err() != nil {
			return
		}
		if try == activityTries {
			h.log.Error("room activity not stored", "room", room, "type", ev.Type, "err", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause *= 2
	}
}

// whoIsHere asks every node with members in room who they are (a presence
// sync, answered by each node's state), waits confirmWait for the
// answers, and returns the people present, this node's own included.
func (h *Hub) whoIsHere(ctx context.Context, room string) (map[string]bool, error) {
	present := map[string]bool{}
	if err := h.askPresence(ctx, room, confirmWait, func(p Presence) bool {
		for _, m := range p.Members {
			present[m.User.ID] = true
		}
		return false // every node that has members answers: wait for all
	}); err != nil {
		return nil, err
	}
	// This node's own members, last: one who came back meanwhile counts.
	h.mu.Lock()
	r := h.rooms[room]
	h.mu.Unlock()
	if r != nil {
		r.mu.Lock()
		if n := r.nodes[h.opts.Node]; n != nil {
			for _, u := range n.conns {
				present[u.ID] = true
			}
		}
		r.mu.Unlock()
	}
	return present, nil
}

// sweepActivity ends what no node's presence shows ending: the rooms
// stored as occupied that no node has members in (its people were on a
// node that died while no other had members there, or the whole cluster
// stopped at once). Rooms this node follows, or that another node reports
// members in, are left to presence; the rest are asked (whoIsHere), and
// where nobody answers, their people's left and the room's vacated are
// stored. Hub.Run calls it every Options.ActivitySweep.
func (h *Hub) sweepActivity(ctx context.Context) {
	rooms, err := h.opts.Activity.Occupied(ctx)
	if err != nil {
		h.log.Warn("room activity sweep", "err", err)
		return
	}
	for _, room := range rooms {
		h.mu.Lock()
		_, following := h.rooms[room]
		h.mu.Unlock()
		if following || len(h.dir.nodesWith(room)) > 0 {
			continue
		}
		present, err := h.whoIsHere(ctx, room)
		if err != nil || len(present) > 0 {
			continue
		}
		people, err := h.opts.Activity.Present(ctx, room)
		if err != nil {
			continue
		}
		at := h.opts.Now().UnixMilli()
		for _, u := range people {
			h.transition(ctx, room, u.ID, protocol.Event{Type: protocol.EvMemberLeft, User: &u, Time: at})
		}
		h.transition(ctx, room, "", protocol.Event{Type: protocol.EvRoomVacated, Time: at})
		h.log.Info("room activity: an empty room closed by the sweep", "room", room, "people", len(people))
	}
}

// recordKick stores a kick or ban (kicked, as relayed to the room) of
// target by moderator by; msgID names the command, so a retried one is
// stored once.
func (h *Hub) recordKick(ctx context.Context, room, msgID string, by, target protocol.User, kicked protocol.Event, ban bool) error {
	if h.opts.Activity == nil {
		return nil
	}
	ev := protocol.Event{
		Type: protocol.EvMemberKicked, Room: room, ID: msgID, User: &target, By: &by,
		Text: kicked.Text, Time: h.opts.Now().UnixMilli(),
	}
	if ban {
		ev.Type, ev.Until = protocol.EvMemberBanned, kicked.Time
	}
	return h.opts.Activity.Record(ctx, room, msgID, ev)
}

// person returns user id as room's presence on this node knows them.
func (h *Hub) person(room, id string) (protocol.User, bool) {
	h.mu.Lock()
	r := h.rooms[room]
	h.mu.Unlock()
	if r == nil {
		return protocol.User{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.names[id]
	return u, ok
}

// activityID is a new activity's own id (its webhook-id derives from it).
func activityID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

var _ hub.ActivityLog = (*Broker)(nil)

// activity is the rooms' activity: each subject's last state, and the
// kicks and bans by message id (within the duplicate window).
type activity struct {
	states map[string]protocol.Event // room + "\x00" + subject: the last stored
	ids    map[string]seen           // room + "\x00" + message id
	log    []protocol.Event          // everything stored, in order
}

// Transition implements hub.ActivityLog: under the cluster's lock, so one
// of several nodes storing the same transition stores it.
func (b *Broker) Transition(ctx context.Context, room, subject string, ev protocol.Event) (bool, error) {
	if err := done(ctx); err != nil {
		return false, err
	}
	if !protocol.IsActivity(ev.Type) {
		return false, fmt.Errorf("memory: %q is not room activity", ev.Type)
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	key := room + "\x00" + subject
	if b.c.act.states[key].Type == ev.Type {
		return false, nil
	}
	b.c.act.states[key] = b.c.storeActivity(room, ev)
	return true, nil
}

// Record implements hub.ActivityLog.
func (b *Broker) Record(ctx context.Context, room, msgID string, ev protocol.Event) error {
	if err := done(ctx); err != nil {
		return err
	}
	if !protocol.IsActivity(ev.Type) {
		return fmt.Errorf("memory: %q is not room activity", ev.Type)
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	key, now := room+"\x00"+msgID, b.c.opts.Now()
	if s, ok := b.c.act.ids[key]; ok && now.Sub(s.at) < b.c.opts.DuplicateWindow {
		return nil
	}
	b.c.act.ids[key] = seen{at: now}
	b.c.storeActivity(room, ev)
	return nil
}

// Occupied implements hub.ActivityLog.
func (b *Broker) Occupied(ctx context.Context) ([]string, error) {
	if err := done(ctx); err != nil {
		return nil, err
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	var rooms []string
	for key, ev := range b.c.act.states {
		if room, subject, _ := strings.Cut(key, "\x00"); subject == "" && ev.Type == protocol.EvRoomOccupied {
			rooms = append(rooms, room)
		}
	}
	return rooms, nil
}

// Present implements hub.ActivityLog.
func (b *Broker) Present(ctx context.Context, room string) ([]protocol.User, error) {
	if err := done(ctx); err != nil {
		return nil, err
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	var people []protocol.User
	for key, ev := range b.c.act.states {
		if r, subject, _ := strings.Cut(key, "\x00"); r == room && subject != "" && ev.Type == protocol.EvMemberJoined && ev.User != nil {
			people = append(people, *ev.User)
		}
	}
	return people, nil
}

// storeActivity keeps a copy of ev, as stored bytes would be, and
// returns it; c.mu held.
func (c *Cluster) storeActivity(room string, ev protocol.Event) protocol.Event {
	ev.Room = room
	data, _ := json.Marshal(&ev)
	var stored protocol.Event
	json.Unmarshal(data, &stored)
	c.act.log = append(c.act.log, stored)
	return stored
}

// Activity returns the rooms' stored activity, in the order stored.
func (c *Cluster) Activity() []protocol.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]protocol.Event(nil), c.act.log...)
}

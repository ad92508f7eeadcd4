package memory

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// What the bus carries for a room.
type kind int

const (
	kindEvent     kind = iota // a stored message, with its position
	kindPoints                // a stored feed event
	kindPresence              // a hub.Presence
	kindEphemeral             // a relayed event, never stored
)

// bus carries a room's traffic to every subscription of it, on every node,
// and the directory reports to every directory subscription. Each
// subscription receives on a goroutine of its own (calls of its handlers
// are sequential, and never made while a publisher holds a lock), as a
// NATS subscription does.
type bus struct {
	mu    sync.Mutex
	rooms map[string]map[*roomSub]struct{}
	dirs  map[*dirSub]struct{}
}

func newBus() *bus {
	return &bus{rooms: make(map[string]map[*roomSub]struct{}), dirs: make(map[*dirSub]struct{})}
}

type roomSub struct {
	b    *bus
	room string
	h    hub.RoomHandlers
	out  serial
	once sync.Once
	mu   sync.Mutex
	gone bool
}

// publish hands frame to every subscription of room, in the order of the
// calls.
func (b *bus) publish(room string, k kind, frame []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.rooms[room] {
		s.out.run(func() { s.receive(k, frame) })
	}
}

func (s *roomSub) receive(k kind, frame []byte) {
	s.mu.Lock()
	gone := s.gone
	s.mu.Unlock()
	if gone {
		return
	}
	switch k {
	case kindEvent, kindPoints, kindEphemeral:
		var ev protocol.Event
		if err := json.Unmarshal(frame, &ev); err != nil {
			panic(fmt.Sprintf("memory broker: bad frame on the bus: %v", err)) // it encoded it itself
		}
		switch {
		case k == kindEvent:
			s.h.Event(ev)
		case k == kindPoints && s.h.Points != nil:
			s.h.Points(ev)
		case k == kindEphemeral:
			s.h.Ephemeral(ev)
		}
	case kindPresence:
		var p hub.Presence
		if err := json.Unmarshal(frame, &p); err != nil {
			panic(fmt.Sprintf("memory broker: bad presence on the bus: %v", err))
		}
		s.h.Presence(p)
	}
}

// Unsubscribe stops the subscription: nothing is delivered after it
// returns but a call already under way.
func (s *roomSub) Unsubscribe() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.gone = true
		s.mu.Unlock()
		s.b.mu.Lock()
		defer s.b.mu.Unlock()
		delete(s.b.rooms[s.room], s)
		if len(s.b.rooms[s.room]) == 0 {
			delete(s.b.rooms, s.room)
		}
	})
	return nil
}

type dirSub struct {
	b    *bus
	fn   func(hub.DirectoryReport)
	out  serial
	once sync.Once
}

func (s *dirSub) Unsubscribe() error {
	s.once.Do(func() {
		s.b.mu.Lock()
		defer s.b.mu.Unlock()
		delete(s.b.dirs, s)
	})
	return nil
}

// Subscribe delivers to h, from every node, the events stored in room
// from now on, its presence announcements, its relayed events and (if
// h.Points is set) its stored feed events.
func (b *Broker) Subscribe(room string, h hub.RoomHandlers) (hub.Subscription, error) {
	s := &roomSub{b: b.c.bus, room: room, h: h}
	bus := b.c.bus
	bus.mu.Lock()
	defer bus.mu.Unlock()
	if bus.rooms[room] == nil {
		bus.rooms[room] = make(map[*roomSub]struct{})
	}
	bus.rooms[room][s] = struct{}{}
	return s, nil
}

// Announce sends p to every node with a subscription of room, this one
// included.
func (b *Broker) Announce(room string, p hub.Presence) error {
	frame, err := json.Marshal(&p)
	if err != nil {
		return err
	}
	b.c.bus.publish(room, kindPresence, frame)
	return nil
}

// Relay sends ev, never stored, to every node with a subscription of room.
func (b *Broker) Relay(room string, ev protocol.Event) error {
	frame, err := json.Marshal(&ev)
	if err != nil {
		return err
	}
	b.c.bus.publish(room, kindEphemeral, frame)
	return nil
}

// PublishDirectory sends this node's room report to every node.
func (b *Broker) PublishDirectory(r hub.DirectoryReport) error {
	frame, err := json.Marshal(&r)
	if err != nil {
		return err
	}
	bus := b.c.bus
	bus.mu.Lock()
	defer bus.mu.Unlock()
	for s := range bus.dirs {
		s.out.run(func() {
			var r hub.DirectoryReport
			if err := json.Unmarshal(frame, &r); err == nil {
				s.fn(r)
			}
		})
	}
	return nil
}

// SubscribeDirectory delivers every node's room reports to fn.
func (b *Broker) SubscribeDirectory(fn func(hub.DirectoryReport)) (hub.Subscription, error) {
	s := &dirSub{b: b.c.bus, fn: fn}
	bus := b.c.bus
	bus.mu.Lock()
	defer bus.mu.Unlock()
	bus.dirs[s] = struct{}{}
	return s, nil
}

// Append stores a room message. See hub.Broker.
func (b *Broker) Append(ctx context.Context, room, msgID string, ev protocol.Event) (protocol.Event, bool, error) {
	return b.c.msgs.Append(ctx, room, msgID, ev)
}

// AppendAsync stores a room message and answers done on the broker's
// goroutine. See hub.Broker.
func (b *Broker) AppendAsync(room, msgID string, ev protocol.Event, done func(protocol.Event, bool, error)) {
	b.c.msgs.AppendAsync(room, msgID, ev, done)
}

// Position returns where the room's messages stand.
func (b *Broker) Position(ctx context.Context, room string) (hub.Position, error) {
	return b.c.msgs.Position(ctx, room)
}

// Read returns stored room messages.
func (b *Broker) Read(ctx context.Context, room string, from uint64, limit int) ([]protocol.Event, error) {
	return b.c.msgs.Read(ctx, room, from, limit)
}

// Points returns the log of the rooms' feed points.
func (b *Broker) Points() hub.Log { return b.c.points }

// storedFile is an uploaded file's metadata and content.
type storedFile struct {
	meta hub.FileMeta
	data []byte
}

// PutFile stores the content of r as file meta.ID; meta.Size is set from
// what was read.
func (b *Broker) PutFile(ctx context.Context, meta hub.FileMeta, r io.Reader) (hub.FileMeta, error) {
	if err := done(ctx); err != nil {
		return meta, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return meta, err
	}
	meta.Size = int64(len(data))
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	b.c.files[meta.ID] = storedFile{meta: meta, data: data}
	return meta, nil
}

// FileInfo returns what is stored of file id, or hub.ErrFileNotFound.
func (b *Broker) FileInfo(ctx context.Context, id string) (hub.FileMeta, error) {
	if err := done(ctx); err != nil {
		return hub.FileMeta{}, err
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	f, ok := b.c.files[id]
	if !ok {
		return hub.FileMeta{}, hub.ErrFileNotFound
	}
	return f.meta, nil
}

// OpenFile returns what is stored of file id and its content.
func (b *Broker) OpenFile(ctx context.Context, id string) (hub.FileMeta, io.ReadCloser, error) {
	if err := done(ctx); err != nil {
		return hub.FileMeta{}, nil, err
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	f, ok := b.c.files[id]
	if !ok {
		return hub.FileMeta{}, nil, hub.ErrFileNotFound
	}
	return f.meta, io.NopCloser(bytes.NewReader(f.data)), nil
}

package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// eventLog is one per-room sequence of stored events: the rooms' messages
// or their feed points. It implements hub.Log.
type eventLog struct {
	opts    Options
	size    int                             // events kept per room
	publish func(room string, frame []byte) // a stored event, to every subscriber

	mu    sync.Mutex
	rooms map[string]*roomLog
	ids   map[string]seen // room + "\x00" + message id
	// answers runs the done callbacks of AppendAsync, in order, off the
	// caller's goroutine.
	answers serial
}

// roomLog is one room's retained events, encoded as stored.
type roomLog struct {
	epoch  string
	first  uint64 // offset of stored[0]
	stored [][]byte
}

// seen is a message id's first stored event, and when it was stored.
type seen struct {
	offset uint64
	epoch  string
	at     time.Time
}

var _ hub.Log = (*eventLog)(nil)

func newEventLog(opts Options, size int, publish func(string, []byte)) *eventLog {
	return &eventLog{opts: opts, size: size, publish: publish, rooms: make(map[string]*roomLog), ids: make(map[string]seen)}
}

// Append stores ev in room at the room's next offset; the same msgID
// within the duplicate window answers the first stored event with
// duplicate true.
func (l *eventLog) Append(ctx context.Context, room, msgID string, ev protocol.Event) (protocol.Event, bool, error) {
	if err := ctx.Err(); err != nil {
		return ev, false, err
	}
	return l.append(room, msgID, ev)
}

// AppendAsync stores ev at once and answers done on the log's own
// goroutine, in the order of the appends.
func (l *eventLog) AppendAsync(room, msgID string, ev protocol.Event, done func(protocol.Event, bool, error)) {
	stored, dup, err := l.append(room, msgID, ev)
	l.answers.run(func() { done(stored, dup, err) })
}

func (l *eventLog) append(room, msgID string, ev protocol.Event) (protocol.Event, bool, error) {
	ev.Room, ev.Epoch, ev.Offset = "", "", 0
	payload, err := json.Marshal(&ev)
	if err != nil {
		return ev, false, err
	}
	now := l.opts.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rooms[room]
	if msgID != "" {
		key := room + "\x00" + msgID
		if s, ok := l.ids[key]; ok && now.Sub(s.at) < l.opts.DuplicateWindow {
			if r != nil && r.epoch == s.epoch && s.offset >= r.first {
				first, err := decode(room, r.epoch, s.offset, r.stored[s.offset-r.first])
				return first, true, err
			}
			return ev, false, fmt.Errorf("append to %s: message %q was stored and is gone", room, msgID)
		}
		defer func() { l.ids[key] = seen{offset: r.first + uint64(len(r.stored)) - 1, epoch: r.epoch, at: now} }()
	}
	if r == nil || len(r.stored) == 0 {
		r = &roomLog{epoch: newEpoch(), first: 1}
		l.rooms[room] = r
	}
	offset := r.first + uint64(len(r.stored))
	r.stored = append(r.stored, payload)
	if len(r.stored) > l.size {
		r.stored = append(r.stored[:0:0], r.stored[len(r.stored)-l.size:]...)
		r.first = offset - uint64(l.size) + 1
	}
	l.forgetLocked(now)
	ev.Room, ev.Epoch, ev.Offset = room, r.epoch, offset
	frame, err := encodeStored(&ev)
	if err != nil {
		return ev, false, err
	}
	// Published under the lock: every subscriber gets a room's events in
	// the order of their offsets.
	l.publish(room, frame)
	return ev, false, nil
}

// forgetLocked drops message ids older than the duplicate window, a few
// at a time (an append pays for a bounded share of the sweep).
func (l *eventLog) forgetLocked(now time.Time) {
	n := 0
	for k, s := range l.ids {
		if n++; n > 8 {
			return
		}
		if now.Sub(s.at) >= l.opts.DuplicateWindow {
			delete(l.ids, k)
		}
	}
}

// Position returns the room's epoch and first and last retained offsets.
func (l *eventLog) Position(ctx context.Context, room string) (hub.Position, error) {
	if err := ctx.Err(); err != nil {
		return hub.Position{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rooms[room]
	if r == nil || len(r.stored) == 0 {
		return hub.Position{}, nil
	}
	return hub.Position{Epoch: r.epoch, First: r.first, Last: r.first + uint64(len(r.stored)) - 1}, nil
}

// Read returns up to limit retained events of room with offsets from from
// on, oldest first.
func (l *eventLog) Read(ctx context.Context, room string, from uint64, limit int) ([]protocol.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rooms[room]
	if r == nil {
		return nil, nil
	}
	start := max(from, r.first) - r.first
	var out []protocol.Event
	for i := start; i < uint64(len(r.stored)) && len(out) < limit; i++ {
		ev, err := decode(room, r.epoch, r.first+i, r.stored[i])
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// decode is a stored event as a reader gets it: a fresh copy, with its
// position.
func decode(room, epoch string, offset uint64, payload []byte) (protocol.Event, error) {
	var ev protocol.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return ev, fmt.Errorf("decode stored event in %s: %w", room, err)
	}
	ev.Room, ev.Epoch, ev.Offset = room, epoch, offset
	return ev, nil
}

// encodeStored is a stored event as the bus carries it, position included.
func encodeStored(ev *protocol.Event) ([]byte, error) { return json.Marshal(ev) }

// serial runs functions one after another on a goroutine of its own,
// started when there is work and ended when there is none.
type serial struct {
	mu      sync.Mutex
	queue   []func()
	running bool
}

func (s *serial) run(fn func()) {
	s.mu.Lock()
	s.queue = append(s.queue, fn)
	start := !s.running
	s.running = true
	s.mu.Unlock()
	if start {
		go s.loop()
	}
}

func (s *serial) loop() {
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.running = false
			s.queue = nil
			s.mu.Unlock()
			return
		}
		fn := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		fn()
	}
}

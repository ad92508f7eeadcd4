package hub

import (
	"context"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// storeAsync is the hub's one store path (log is the room's messages,
// the Broker, or its feed, Broker.Points): it stamps ev as u's event with
// the sender's id at the store time, appends it to log in room under u's
// dedup key without waiting, and calls done with the stored event or the
// typed error, on the broker's goroutine (done must not block). Messages,
// edits, deletes, operator notices and feed points all go this way.
func (h *Hub) storeAsync(log Log, room string, u protocol.User, id string, ev protocol.Event, done func(protocol.Event, *protocol.Error)) {
	ev.ID, ev.User, ev.Time = id, &u, h.opts.Now().UnixMilli()
	// The dedup key is scoped to the user, so nobody can suppress another
	// person's event by reusing its id.
	log.AppendAsync(room, u.ID+":"+id, ev, func(stored protocol.Event, _ bool, err error) {
		if err != nil {
			done(protocol.Event{}, h.unavailable("append", room, err))
			return
		}
		done(stored, nil)
	})
}

// store is storeAsync waiting for the answer, or for ctx to end (then the
// event may still be stored: a retry with the same id is answered with
// it).
func (h *Hub) store(ctx context.Context, log Log, room string, u protocol.User, id string, ev protocol.Event) (protocol.Event, *protocol.Error) {
	type result struct {
		stored protocol.Event
		perr   *protocol.Error
	}
	done := make(chan result, 1)
	h.storeAsync(log, room, u, id, ev, func(stored protocol.Event, perr *protocol.Error) { done <- result{stored, perr} })
	select {
	case r := <-done:
		return r.stored, r.perr
	case <-ctx.Done():
		return protocol.Event{}, h.unavailable("append", room, ctx.Err())
	}
}

// ack answers the command ref with the position of stored, its event id.
func ack(ref, room string, stored protocol.Event) protocol.Event {
	return protocol.Event{
		Type: protocol.EvAck, Ref: ref, Room: room, ID: stored.ID,
		Epoch: stored.Epoch, Offset: stored.Offset, Time: stored.Time,
	}
}

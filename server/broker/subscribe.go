package broker

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Subscribe delivers the room's stored events (as JetStream republishes them
// after storing) and its presence announcements. See hub.Broker.
func (b *Broker) Subscribe(room string, onEvent func(protocol.Event), onPresence func(hub.Presence)) (hub.Subscription, error) {
	live, err := b.nc.Subscribe(liveSubject+room, func(m *nats.Msg) {
		ev, err := decode(room, m.Header, m.Data)
		if err != nil {
			b.log.Error("bad live event", "room", room, "err", err)
			return
		}
		onEvent(ev)
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", room, err)
	}
	pres, err := b.nc.Subscribe(presenceSubject+room, func(m *nats.Msg) {
		var p hub.Presence
		if err := json.Unmarshal(m.Data, &p); err != nil {
			b.log.Error("bad presence announcement", "room", room, "err", err)
			return
		}
		onPresence(p)
	})
	if err != nil {
		live.Unsubscribe()
		return nil, fmt.Errorf("subscribe presence %s: %w", room, err)
	}
	for _, s := range []*nats.Subscription{live, pres} {
		// Generous pending limits: a busy room must not drop live events
		// at the client library (gaps are refilled, but cost a read).
		s.SetPendingLimits(1<<20, 256<<20)
	}
	// Make sure the server has the interest before the caller reads the
	// room's position, so no event falls between the two.
	if err := b.nc.Flush(); err != nil {
		live.Unsubscribe()
		pres.Unsubscribe()
		return nil, fmt.Errorf("subscribe %s: flush: %w", room, err)
	}
	return subscription{live, pres}, nil
}

type subscription []*nats.Subscription

func (s subscription) Unsubscribe() error {
	var errs []error
	for _, sub := range s {
		if err := sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Announce publishes p to every node's subscription of room.
func (b *Broker) Announce(room string, p hub.Presence) error {
	data, err := json.Marshal(&p)
	if err != nil {
		return err
	}
	return b.nc.Publish(presenceSubject+room, data)
}

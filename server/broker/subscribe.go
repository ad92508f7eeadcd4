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
// after storing), its feed events, its presence announcements and its
// relayed events. See hub.Broker.
func (b *Broker) Subscribe(room string, h hub.RoomHandlers) (hub.Subscription, error) {
	var subs subscription
	add := func(subject string, fn nats.MsgHandler) error {
		s, err := b.nc.Subscribe(subject, fn)
		if err != nil {
			subs.Unsubscribe()
			return fmt.Errorf("subscribe %s: %w", subject, err)
		}
		// Generous pending limits: a busy room must not drop live events
		// at the client library (gaps are refilled, but cost a read).
		s.SetPendingLimits(1<<20, 256<<20)
		subs = append(subs, s)
		return nil
	}
	err := add(liveSubject+room, func(m *nats.Msg) {
		ev, err := decode(room, m.Header, m.Data)
		if err != nil {
			b.log.Error("bad live event", "room", room, "err", err)
			return
		}
		h.Event(ev)
	})
	if err == nil {
		err = add(presenceSubject+room, func(m *nats.Msg) {
			var p hub.Presence
			if err := json.Unmarshal(m.Data, &p); err != nil {
				b.log.Error("bad presence announcement", "room", room, "err", err)
				return
			}
			h.Presence(p)
		})
	}
	if err == nil && h.Points != nil {
		err = add(feedLiveSubject+room, func(m *nats.Msg) {
			ev, err := decode(room, m.Header, m.Data)
			if err != nil {
				b.log.Error("bad live feed event", "room", room, "err", err)
				return
			}
			h.Points(ev)
		})
	}
	if err == nil {
		err = add(relaySubject+room, func(m *nats.Msg) {
			var ev protocol.Event
			if err := json.Unmarshal(m.Data, &ev); err != nil {
				b.log.Error("bad relayed event", "room", room, "err", err)
				return
			}
			ev.Room = room
			h.Ephemeral(ev)
		})
	}
	if err != nil {
		return nil, err
	}
	// Make sure the server has the interest before the caller reads the
	// room's position, so no event falls between the two.
	if err := b.nc.Flush(); err != nil {
		subs.Unsubscribe()
		return nil, fmt.Errorf("subscribe %s: flush: %w", room, err)
	}
	return subs, nil
}

// Relay publishes an ephemeral event to every node's subscription of room.
func (b *Broker) Relay(room string, ev protocol.Event) error {
	ev.Room = ""
	data, err := json.Marshal(&ev)
	if err != nil {
		return err
	}
	return b.nc.Publish(relaySubject+room, data)
}

// PublishDirectory sends this node's room report to every node.
func (b *Broker) PublishDirectory(r hub.DirectoryReport) error {
	data, err := json.Marshal(&r)
	if err != nil {
		return err
	}
	return b.nc.Publish(directorySubject, data)
}

// SubscribeDirectory delivers every node's room reports to fn.
func (b *Broker) SubscribeDirectory(fn func(hub.DirectoryReport)) (hub.Subscription, error) {
	s, err := b.nc.Subscribe(directorySubject, func(m *nats.Msg) {
		var r hub.DirectoryReport
		if err := json.Unmarshal(m.Data, &r); err != nil {
			b.log.Error("bad directory report", "err", err)
			return
		}
		fn(r)
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe directory: %w", err)
	}
	// Active when it returns (as Subscribe is): a report published
	// afterwards by any node reaches fn.
	if err := b.nc.Flush(); err != nil {
		s.Unsubscribe()
		return nil, fmt.Errorf("subscribe directory: flush: %w", err)
	}
	return subscription{s}, nil
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

package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-rt/switchboard/server/counter"
)

// countersBucket holds the shared counters' values, one key per counter
// (counter names follow the room-name rules, so they are valid keys). Each
// key's revision orders its values; a change names the revision it read
// (compare-and-swap).
const countersBucket = "SWITCHBOARD_COUNTERS"

// counterSubject carries the counters' clients-count announcements.
const counterSubject = "sb.ctr."

var _ counter.Store = (*Broker)(nil)

func (b *Broker) openCounters(ctx context.Context) (jetstream.KeyValue, error) {
	return b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: countersBucket, Description: "Switchboard shared counters", History: 1,
		Storage: jetstream.FileStorage, Replicas: b.opts.Replicas,
	})
}

// LoadCounter returns counter name's value (zero if never set). See counter.Store.
func (b *Broker) LoadCounter(ctx context.Context, name string) (counter.Value, error) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	e, err := b.counters.Get(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return counter.Value{}, nil
	}
	if err != nil {
		return counter.Value{}, err
	}
	return decodeCounter(e)
}

// SwapCounter stores n as counter name's value if it is still at rev (0: never
// set). See counter.Store.
func (b *Broker) SwapCounter(ctx context.Context, name string, n int64, rev uint64) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	value := []byte(strconv.FormatInt(n, 10))
	var (
		next uint64
		err  error
	)
	if rev == 0 {
		next, err = b.counters.Create(ctx, name, value)
	} else {
		next, err = b.counters.Update(ctx, name, value, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, counter.ErrConflict
	}
	return next, err
}

// WatchCounter calls fn with every value of counter name stored from now on. Its
// goroutine ends when the subscription is unsubscribed (or the NATS
// connection closes). See counter.Store.
func (b *Broker) WatchCounter(name string, fn func(counter.Value)) (counter.Subscription, error) {
	// The watch lives as long as its context (not just its creation).
	ctx, cancel := context.WithCancel(context.Background())
	w, err := b.counters.Watch(ctx, name, jetstream.UpdatesOnly(), jetstream.IgnoreDeletes())
	if err != nil {
		cancel()
		return nil, fmt.Errorf("watch counter %s: %w", name, err)
	}
	go func() {
		for e := range w.Updates() {
			if e == nil {
				continue
			}
			v, err := decodeCounter(e)
			if err != nil {
				b.log.Error("bad counter value", "counter", name, "err", err)
				continue
			}
			fn(v)
		}
	}()
	return watchSubscription{w, cancel}, nil
}

type watchSubscription struct {
	w      jetstream.KeyWatcher
	cancel context.CancelFunc
}

func (s watchSubscription) Unsubscribe() error {
	defer s.cancel()
	if err := s.w.Stop(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(err, nats.ErrBadSubscription) {
		return err
	}
	return nil
}

func decodeCounter(e jetstream.KeyValueEntry) (counter.Value, error) {
	n, err := strconv.ParseInt(string(e.Value()), 10, 64)
	if err != nil {
		return counter.Value{}, fmt.Errorf("broker: counter %s: %w", e.Key(), err)
	}
	return counter.Value{N: n, Rev: e.Revision()}, nil
}

// AnnounceCounter publishes a to every node's subscription of counter name.
func (b *Broker) AnnounceCounter(name string, a counter.Announcement) error {
	data, err := json.Marshal(&a)
	if err != nil {
		return err
	}
	return b.nc.Publish(counterSubject+name, data)
}

// SubscribeCounter calls fn with every announcement about counter name.
func (b *Broker) SubscribeCounter(name string, fn func(counter.Announcement)) (counter.Subscription, error) {
	s, err := b.nc.Subscribe(counterSubject+name, func(m *nats.Msg) {
		var a counter.Announcement
		if err := json.Unmarshal(m.Data, &a); err != nil {
			b.log.Error("bad counter announcement", "counter", name, "err", err)
			return
		}
		fn(a)
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe counter %s: %w", name, err)
	}
	if err := b.nc.Flush(); err != nil {
		s.Unsubscribe()
		return nil, fmt.Errorf("subscribe counter %s: flush: %w", name, err)
	}
	return subscription{s}, nil
}

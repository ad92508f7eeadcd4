package broker

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Position returns the room's epoch and first and last retained offsets.
func (l *eventLog) Position(ctx context.Context, room string) (hub.Position, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	subj := l.subject + room
	last, err := l.stream.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return hub.Position{}, nil
	}
	if err != nil {
		return hub.Position{}, fmt.Errorf("position of %s: %w", room, err)
	}
	epoch, lastOff, err := position(last.Header)
	if err != nil {
		return hub.Position{}, err
	}
	first, err := l.stream.GetMsg(ctx, 1, jetstream.WithGetMsgSubject(subj))
	if err != nil {
		return hub.Position{}, fmt.Errorf("first event of %s: %w", room, err)
	}
	_, firstOff, err := position(first.Header)
	if err != nil {
		return hub.Position{}, err
	}
	return hub.Position{Epoch: epoch, First: firstOff, Last: lastOff}, nil
}

// Read returns up to limit events of room from offset from on, oldest first.
// It finds the stream sequence of offset from by binary search over the
// stream (offsets grow with sequences), then reads forward with an ordered
// consumer filtered to the room.
func (l *eventLog) Read(ctx context.Context, room string, from uint64, limit int) ([]protocol.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	subj := l.subject + room
	lastMsg, err := l.stream.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", room, err)
	}
	_, lastOff, err := position(lastMsg.Header)
	if err != nil {
		return nil, err
	}
	if from > lastOff {
		return nil, nil
	}
	seq, startOff, err := l.seek(ctx, subj, from, lastMsg.Sequence)
	if err != nil {
		return nil, err
	}
	want := min(uint64(limit), lastOff-startOff+1)
	cons, err := l.js.OrderedConsumer(ctx, l.name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subj},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    seq,
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: consumer: %w", room, err)
	}
	events := make([]protocol.Event, 0, want)
	for uint64(len(events)) < want {
		batch, err := cons.FetchNoWait(int(want) - len(events))
		if err != nil {
			return events, fmt.Errorf("read %s: fetch: %w", room, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			ev, err := decode(room, m.Headers(), m.Data())
			if err != nil {
				return events, err
			}
			if ev.Offset >= from {
				events = append(events, ev)
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return events, fmt.Errorf("read %s: fetch: %w", room, err)
		}
		if n == 0 {
			break
		}
	}
	return events, nil
}

// seek returns the stream sequence and offset of the room's first retained
// event with an offset of at least from; lastSeq is the room's last event.
func (l *eventLog) seek(ctx context.Context, subj string, from, lastSeq uint64) (uint64, uint64, error) {
	lo, hi := uint64(1), lastSeq
	ansSeq, ansOff := uint64(0), uint64(0)
	for lo <= hi {
		mid := lo + (hi-lo)/2
		m, err := l.stream.GetMsg(ctx, mid, jetstream.WithGetMsgSubject(subj))
		if err != nil {
			return 0, 0, fmt.Errorf("seek in %s: %w", subj, err)
		}
		_, off, err := position(m.Header)
		if err != nil {
			return 0, 0, err
		}
		if off >= from {
			ansSeq, ansOff = m.Sequence, off
			if mid == 0 {
				break
			}
			hi = mid - 1
		} else {
			lo = m.Sequence + 1
		}
	}
	if ansSeq == 0 {
		return 0, 0, fmt.Errorf("seek in %s: offset %d not found", subj, from)
	}
	return ansSeq, ansOff, nil
}

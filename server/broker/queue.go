package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// deadStream holds the events a queue gave up on (a webhook past its retry
// budget), one subject per queue: sb.dead.<queue>.
const (
	deadStream  = "SWITCHBOARD_DEAD_LETTERS"
	deadSubject = "sb.dead."
	// hdrDeadReason says why an event went to the dead letters.
	hdrDeadReason = "Sb-Dead-Reason"
	hdrDeadRoom   = "Sb-Room"
)

// QueueOptions configure a RoomQueue.
type QueueOptions struct {
	// Name names the queue: a durable JetStream consumer shared by every
	// node, so each stored event goes to one node at a time. Letters,
	// digits, '-' and '_'.
	Name string
	// AckWait is how long a node may hold an event (without Touch) before
	// JetStream hands it to another node: the time a dead node's event
	// waits. Default 30 s.
	AckWait time.Duration
}

// RoomQueue is a durable, cluster-wide queue of the stored room events
// (messages, edits, deletes) and the rooms' activity (people coming and
// going, rooms filling and emptying, kicks and bans: see Transition and
// Record), in the order they were stored, from its
// creation on. One event is out at a time across every node (so the
// order holds per room, and exactly one node handles each event at once);
// an event is handed out again until Done or DeadLetter.
type RoomQueue struct {
	b    *Broker
	name string
	cons jetstream.Consumer
}

// RoomQueue creates (or opens) the queue opts.Name.
func (b *Broker) RoomQueue(ctx context.Context, opts QueueOptions) (*RoomQueue, error) {
	if opts.Name == "" || strings.ContainsAny(opts.Name, ".*> \t") {
		return nil, fmt.Errorf("broker: queue name %q: letters, digits, - and _ only", opts.Name)
	}
	if opts.AckWait <= 0 {
		opts.AckWait = 30 * time.Second
	}
	var cons jetstream.Consumer
	err := retry(ctx, func(ctx context.Context) (err error) {
		if _, err = b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name: deadStream, Description: "Switchboard events a queue gave up on (webhooks past their retry budget)",
			Subjects: []string{deadSubject + ">"}, Storage: jetstream.FileStorage,
			MaxAge: b.opts.HistoryAge, Replicas: b.opts.Replicas,
		}); err != nil {
			return err
		}
		cons, err = b.js.CreateOrUpdateConsumer(ctx, b.opts.Stream, jetstream.ConsumerConfig{
			Durable:        opts.Name,
			Description:    "Switchboard queue " + opts.Name,
			FilterSubjects: []string{roomSubject + "*", actSubject + ">"},
			DeliverPolicy:  jetstream.DeliverNewPolicy,
			AckPolicy:      jetstream.AckExplicitPolicy,
			AckWait:        opts.AckWait,
			MaxAckPending:  1,
			MaxDeliver:     -1,
			Replicas:       b.opts.Replicas,
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("broker: queue %s: %w", opts.Name, err)
	}
	return &RoomQueue{b: b, name: opts.Name, cons: cons}, nil
}

// Delivery is one stored event handed out by a RoomQueue.
type Delivery struct {
	// Event is the stored event, with its room, epoch and offset.
	Event protocol.Event
	// Seq is its position in the room stream: the same every time it is
	// handed out, on any node.
	Seq uint64
	// Attempt counts the times it was handed out (1 the first time).
	Attempt uint64
	// Stored is when it was stored.
	Stored time.Time

	q   *RoomQueue
	msg jetstream.Msg
}

// Next waits for the next event (at most wait) and returns it, or nil when
// none came.
func (q *RoomQueue) Next(ctx context.Context, wait time.Duration) (*Delivery, error) {
	fctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	msg, err := q.cons.Next(jetstream.FetchContext(fctx))
	if err != nil {
		if ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages)) {
			return nil, nil // none within wait
		}
		return nil, err
	}
	meta, err := msg.Metadata()
	if err != nil {
		msg.Nak()
		return nil, err
	}
	ev, err := decodeStored(msg.Subject(), msg.Headers(), msg.Data())
	if err != nil {
		// Not an event this server can read: it cannot be delivered
		// either; keep it with the reason rather than block the queue.
		d := &Delivery{Seq: meta.Sequence.Stream, Attempt: meta.NumDelivered, q: q, msg: msg}
		d.Event.Room, _, _ = strings.Cut(strings.TrimPrefix(strings.TrimPrefix(msg.Subject(), roomSubject), actSubject), ".")
		return nil, errors.Join(err, d.DeadLetter(ctx, "undecodable: "+err.Error()))
	}
	return &Delivery{Event: ev, Seq: meta.Sequence.Stream, Attempt: meta.NumDelivered, Stored: meta.Timestamp, q: q, msg: msg}, nil
}

// Touch tells JetStream the event is still being worked on (restarting
// its AckWait).
func (d *Delivery) Touch() error { return d.msg.InProgress() }

// Done removes the event from the queue.
func (d *Delivery) Done(ctx context.Context) error { return d.msg.DoubleAck(ctx) }

// DeadLetter stores the event in the queue's dead letters, with reason,
// and removes it from the queue.
func (d *Delivery) DeadLetter(ctx context.Context, reason string) error {
	msg := &nats.Msg{Subject: deadSubject + d.q.name, Data: d.msg.Data(), Header: nats.Header{}}
	for k, v := range d.msg.Headers() {
		if strings.HasPrefix(k, "Sb-") {
			msg.Header[k] = v
		}
	}
	msg.Header.Set(hdrDeadReason, reason)
	msg.Header.Set(hdrDeadRoom, d.Event.Room)
	msg.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("%s-%d", d.q.name, d.Seq))
	if _, err := d.q.b.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("dead letter: %w", err)
	}
	return d.msg.DoubleAck(ctx)
}

// DeadLetters returns up to limit of the queue's dead letters, oldest
// first, with why each was given up.
func (q *RoomQueue) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	stream, err := q.b.js.Stream(ctx, deadStream)
	if err != nil {
		return nil, err
	}
	var out []DeadLetter
	for seq := uint64(1); len(out) < limit; {
		m, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(deadSubject+q.name))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, deadLetter(m))
		seq = m.Sequence + 1
	}
	return out, nil
}

// DeadLetter is an event a queue gave up on.
type DeadLetter struct {
	// Seq names it in the dead letters (GetDeadLetter, RemoveDeadLetter).
	Seq    uint64
	Event  protocol.Event
	Reason string
	// Time is when it was given up.
	Time time.Time
	// Err is set when the stored event could not be read back.
	Err error
}

func deadLetter(m *jetstream.RawStreamMsg) DeadLetter {
	ev, err := decodeStored(roomSubject+m.Header.Get(hdrDeadRoom), m.Header, m.Data)
	if ev.Room == "" {
		ev.Room = m.Header.Get(hdrDeadRoom)
	}
	return DeadLetter{Seq: m.Sequence, Event: ev, Reason: m.Header.Get(hdrDeadReason), Time: m.Time, Err: err}
}

// ErrNoDeadLetter is returned for a dead letter seq that is not the queue's.
var ErrNoDeadLetter = errors.New("no such dead letter")

// GetDeadLetter returns the queue's dead letter seq.
func (q *RoomQueue) GetDeadLetter(ctx context.Context, seq uint64) (DeadLetter, error) {
	stream, err := q.b.js.Stream(ctx, deadStream)
	if err != nil {
		return DeadLetter{}, err
	}
	m, err := stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) || (err == nil && m.Subject != deadSubject+q.name) {
		return DeadLetter{}, ErrNoDeadLetter
	}
	if err != nil {
		return DeadLetter{}, err
	}
	return deadLetter(m), nil
}

// RemoveDeadLetter deletes the queue's dead letter seq (once retried).
func (q *RoomQueue) RemoveDeadLetter(ctx context.Context, seq uint64) error {
	if _, err := q.GetDeadLetter(ctx, seq); err != nil {
		return err
	}
	stream, err := q.b.js.Stream(ctx, deadStream)
	if err != nil {
		return err
	}
	return stream.DeleteMsg(ctx, seq)
}

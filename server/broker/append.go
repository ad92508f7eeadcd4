package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// maxAppendTries bounds the retries after another node appended to the same
// room at the same time.
const maxAppendTries = 16

// MaxGroupCommit bounds how many waiting appends to one room go to
// JetStream together in one atomic batch (see Append).
const MaxGroupCommit = 64

// MinAtomicBatch is the fewest queued appends a stream of replicas stores
// as one atomic batch. On one replica, nats-server stages each atomic batch
// in a file store of its own, created, fsynced and removed per batch: a
// W2 trace at 200 messages/s showed that staging (newAtomicBatch,
// cleanupLocked, readyForCommit: 1.7 s of 3 s in system calls, about 14 ms
// a batch) holding the stream while sends queued, 31 ms on average from
// send to fan-out instead of 1.3 ms. One by one, an append is one round
// trip (well under a millisecond in-process), so a short queue is cheaper
// that way, and a long one (a burst) still goes in batches. Replicated
// streams stage batches in memory: any queue of two or more is batched.
func MinAtomicBatch(replicas int) int {
	if replicas <= 1 {
		return 16
	}
	return 2
}

// roomMsgID is msgID as JetStream deduplicates it: JetStream remembers
// ids per stream, and a message id names a message within its room, so
// the same id in another room is another message (the conformance suite's
// Duplicates test). The room's length first keeps the pair unambiguous.
func roomMsgID(room, msgID string) string {
	if msgID == "" {
		return ""
	}
	return strconv.Itoa(len(room)) + ":" + room + ":" + msgID
}

// contentionPause waits before the next try after another node appended
// to the same room first: a random pause, longer after each lost race
// (up to about 25 ms), so that nodes appending to one room at once stop
// colliding rather than racing again in lockstep.
func contentionPause(ctx context.Context, try int) {
	limit := time.Duration(100<<min(try, 8)) * time.Microsecond
	t := time.NewTimer(rand.N(limit) + 50*time.Microsecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// pendingAppend is one append waiting for its room's writer.
type pendingAppend struct {
	msgID   string
	payload []byte
	ev      protocol.Event
	done    func(stored protocol.Event, duplicate bool, err error)
}

// Append stores ev in room at the room's next offset. See hub.Broker.
func (l *eventLog) Append(ctx context.Context, room, msgID string, ev protocol.Event) (protocol.Event, bool, error) {
	type result struct {
		ev  protocol.Event
		dup bool
		err error
	}
	done := make(chan result, 1)
	l.AppendAsync(room, msgID, ev, func(ev protocol.Event, dup bool, err error) { done <- result{ev, dup, err} })
	select {
	case r := <-done:
		return r.ev, r.dup, r.err
	case <-ctx.Done():
		// Still queued: it will be stored, and a retry with the same id
		// will be answered with it.
		return ev, false, ctx.Err()
	}
}

// AppendAsync queues ev for room and returns at once; done is called, on
// the room's writer goroutine, when it is stored or has failed. See
// hub.Broker.
//
// Group commit: each room with appends queued has one writer goroutine,
// which stores everything queued at once in one JetStream atomic batch
// (consecutive offsets, one round trip), so a room's throughput is not
// bounded by one round trip per message and one connection's messages keep
// their order. The writer ends when the queue is empty; every JetStream
// call it makes is bounded by Options.Timeout.
func (l *eventLog) AppendAsync(room, msgID string, ev protocol.Event, done func(stored protocol.Event, duplicate bool, err error)) {
	ev.Room, ev.Epoch, ev.Offset = "", "", 0
	payload, err := json.Marshal(&ev)
	if err != nil {
		done(ev, false, err)
		return
	}
	h := l.head(room)
	h.qmu.Lock()
	h.queue = append(h.queue, &pendingAppend{msgID: roomMsgID(room, msgID), payload: payload, ev: ev, done: done})
	start := !h.writing
	h.writing = true
	h.qmu.Unlock()
	if start {
		go l.write(room, h)
	}
}

// write is a room's writer: it stores the queued appends, batch after
// batch, until none is left.
func (l *eventLog) write(room string, h *roomHead) {
	var batch []*pendingAppend
	for {
		h.qmu.Lock()
		n := min(len(h.queue), MaxGroupCommit)
		if n == 0 {
			h.writing = false
			h.queue = nil // do not keep a burst's array on an idle room
			h.qmu.Unlock()
			return
		}
		batch = append(batch[:0], h.queue[:n]...)
		h.queue = append(h.queue[:0], h.queue[n:]...)
		h.qmu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
		l.commit(ctx, room, h, batch)
		cancel()
		clear(batch)
	}
}

// commit stores batch and answers each of its callers.
func (l *eventLog) commit(ctx context.Context, room string, h *roomHead, batch []*pendingAppend) {
	if len(batch) >= max(l.minBatch, 2) && !l.noBatches.Load() {
		done, err := l.appendBatch(ctx, room, h, batch)
		if done {
			for _, p := range batch {
				p.done(p.ev, false, err)
			}
			return
		}
		// The batch was refused as a whole (a retried id in it, the
		// server's batch limits): store one by one, which the ids make safe.
	}
	for _, p := range batch {
		p.done(l.appendOne(ctx, room, h, p))
	}
}

// appendOne stores one event after the room's last.
func (l *eventLog) appendOne(ctx context.Context, room string, h *roomHead, p *pendingAppend) (protocol.Event, bool, error) {
	ev := p.ev
	for try := 0; try < maxAppendTries; try++ {
		if !h.known {
			if err := l.loadHead(ctx, room, h); err != nil {
				return ev, false, err
			}
		}
		epoch, offset := h.epoch, h.offset+1
		if h.offset == 0 && h.seq == 0 {
			epoch = newEpoch()
		}
		msg := &nats.Msg{Subject: l.subject + room, Data: p.payload, Header: nats.Header{}}
		msg.Header.Set(hdrEpoch, epoch)
		msg.Header.Set(hdrOffset, strconv.FormatUint(offset, 10))
		start := time.Now()
		ack, err := l.js.PublishMsg(ctx, msg,
			jetstream.WithMsgID(p.msgID),
			jetstream.WithExpectLastSequencePerSubject(h.seq))
		if isWrongLastSequence(err) {
			h.known = false // another node appended: re-read and retry
			contentionPause(ctx, try)
			continue
		}
		if err != nil {
			h.known = false
			return ev, false, fmt.Errorf("append to %s: %w", room, err)
		}
		if ack.Duplicate {
			// Stored before (a retry): answer with the first copy.
			stored, err := l.get(ctx, room, ack.Sequence)
			return stored, true, err
		}
		h.epoch, h.offset, h.seq = epoch, offset, ack.Sequence
		l.stored(1, time.Since(start))
		ev.Room, ev.Epoch, ev.Offset = room, epoch, offset
		return ev, false, nil
	}
	return ev, false, fmt.Errorf("append to %s: too much contention", room)
}

// Headers of JetStream's atomic batch publish.
const (
	hdrBatchID     = "Nats-Batch-Id"
	hdrBatchSeq    = "Nats-Batch-Sequence"
	hdrBatchCommit = "Nats-Batch-Commit"
)

// batchAck is JetStream's answer to a batch's commit message.
type batchAck struct {
	Sequence uint64 `json:"seq"`
	Count    uint64 `json:"count"`
	Error    *struct {
		Code        int                 `json:"code"`
		ErrCode     jetstream.ErrorCode `json:"err_code"`
		Description string              `json:"description"`
	} `json:"error"`
}

// appendBatch stores batch as one atomic JetStream batch at consecutive
// offsets, setting each pending event's position. It reports false when
// JetStream refused the batch as a whole and nothing of it was stored.
func (l *eventLog) appendBatch(ctx context.Context, room string, h *roomHead, batch []*pendingAppend) (bool, error) {
	for try := 0; try < maxAppendTries; try++ {
		if !h.known {
			if err := l.loadHead(ctx, room, h); err != nil {
				return true, err
			}
		}
		epoch := h.epoch
		if h.offset == 0 && h.seq == 0 {
			epoch = newEpoch()
		}
		id := newEpoch() + newEpoch()
		start := time.Now()
		var reply *nats.Msg
		var err error
		for i, p := range batch {
			msg := &nats.Msg{Subject: l.subject + room, Data: p.payload, Header: nats.Header{}}
			msg.Header.Set(hdrEpoch, epoch)
			msg.Header.Set(hdrOffset, strconv.FormatUint(h.offset+1+uint64(i), 10))
			msg.Header.Set(jetstream.MsgIDHeader, p.msgID)
			msg.Header.Set(hdrBatchID, id)
			msg.Header.Set(hdrBatchSeq, strconv.Itoa(i+1))
			if i == 0 {
				msg.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(h.seq, 10))
			}
			if i < len(batch)-1 {
				if err = l.nc.PublishMsg(msg); err != nil {
					break
				}
				continue
			}
			msg.Header.Set(hdrBatchCommit, "1")
			reply, err = l.nc.RequestMsgWithContext(ctx, msg)
		}
		if err != nil {
			// Perhaps stored, perhaps not: the one-by-one path finds out
			// (the ids make it safe).
			h.known = false
			return false, nil
		}
		var ack batchAck
		if err := json.Unmarshal(reply.Data, &ack); err != nil {
			h.known = false
			return false, nil
		}
		if ack.Error != nil {
			h.known = false
			if ack.Error.ErrCode == jetstream.JSErrCodeStreamWrongLastSequence ||
				ack.Error.ErrCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant {
				contentionPause(ctx, try)
				continue // another node appended: re-read and retry
			}
			if ack.Error.ErrCode == errCodeAtomicPublishDisabled {
				l.noBatches.Store(true)
				l.log.Warn("JetStream refuses atomic batches: appends go one by one", "stream", l.name)
			}
			return false, nil
		}
		if ack.Count != uint64(len(batch)) || ack.Sequence < ack.Count {
			h.known = false
			return true, fmt.Errorf("append to %s: batch of %d acknowledged as %d", room, len(batch), ack.Count)
		}
		for i, p := range batch {
			p.ev.Room, p.ev.Epoch, p.ev.Offset = room, epoch, h.offset+1+uint64(i)
		}
		l.batches.Add(1)
		l.batched.Add(uint64(len(batch)))
		l.stored(len(batch), time.Since(start))
		h.epoch, h.offset, h.seq = epoch, h.offset+uint64(len(batch)), ack.Sequence
		return true, nil
	}
	return true, fmt.Errorf("append to %s: too much contention", room)
}

// errCodeAtomicPublishDisabled is JetStream's error for a batch sent to a
// stream that does not allow them (a server older than 2.12 ignores the
// setting).
const errCodeAtomicPublishDisabled jetstream.ErrorCode = 10174

// loadHead reads the room's last stored event into h.
func (l *eventLog) loadHead(ctx context.Context, room string, h *roomHead) error {
	m, err := l.stream.GetLastMsgForSubject(ctx, l.subject+room)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		h.known, h.epoch, h.offset, h.seq = true, "", 0, 0
		return nil
	}
	if err != nil {
		return fmt.Errorf("read head of %s: %w", room, err)
	}
	epoch, offset, err := position(m.Header)
	if err != nil {
		return err
	}
	h.known, h.epoch, h.offset, h.seq = true, epoch, offset, m.Sequence
	return nil
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
	}
	return false
}

// position reads a stored event's epoch and offset from its headers.
func position(h nats.Header) (string, uint64, error) {
	epoch := h.Get(hdrEpoch)
	offset, err := strconv.ParseUint(h.Get(hdrOffset), 10, 64)
	if epoch == "" || err != nil || offset == 0 {
		return "", 0, fmt.Errorf("stored event without a valid position (epoch %q, offset %q)", epoch, h.Get(hdrOffset))
	}
	return epoch, offset, nil
}

// decode turns a stored or republished message into the event clients see.
func decode(room string, h nats.Header, data []byte) (protocol.Event, error) {
	var ev protocol.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return ev, fmt.Errorf("decode stored event in %s: %w", room, err)
	}
	epoch, offset, err := position(h)
	if err != nil {
		return ev, err
	}
	ev.Room, ev.Epoch, ev.Offset = room, epoch, offset
	return ev, nil
}

func (l *eventLog) get(ctx context.Context, room string, seq uint64) (protocol.Event, error) {
	m, err := l.stream.GetMsg(ctx, seq)
	if err != nil {
		return protocol.Event{}, fmt.Errorf("read %s seq %d: %w", room, seq, err)
	}
	return decode(room, m.Header, m.Data)
}

// GroupCommits reports how many atomic batches this broker stored room
// messages in, and how many messages they held.
func (b *Broker) GroupCommits() (batches, events uint64) {
	return b.msgs.batches.Load(), b.msgs.batched.Load()
}

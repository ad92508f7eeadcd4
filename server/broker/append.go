package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// maxAppendTries bounds the retries after another node appended to the same
// room at the same time.
const maxAppendTries = 16

// Append stores ev in room at the room's next offset. See hub.Broker.
func (l *eventLog) Append(ctx context.Context, room, msgID string, ev protocol.Event) (protocol.Event, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	ev.Room, ev.Epoch, ev.Offset = "", "", 0
	payload, err := json.Marshal(&ev)
	if err != nil {
		return ev, false, err
	}
	h := l.head(room)
	h.mu.Lock()
	defer h.mu.Unlock()
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
		msg := &nats.Msg{Subject: l.subject + room, Data: payload, Header: nats.Header{}}
		msg.Header.Set(hdrEpoch, epoch)
		msg.Header.Set(hdrOffset, strconv.FormatUint(offset, 10))
		ack, err := l.js.PublishMsg(ctx, msg,
			jetstream.WithMsgID(msgID),
			jetstream.WithExpectLastSequencePerSubject(h.seq))
		if isWrongLastSequence(err) {
			h.known = false // another node appended: re-read and retry
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
		ev.Room, ev.Epoch, ev.Offset = room, epoch, offset
		return ev, false, nil
	}
	return ev, false, fmt.Errorf("append to %s: too much contention", room)
}

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

package broker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Room activity (hub.ActivityLog) lives in the room stream beside the
// messages, so that a queue (RoomQueue) hands both out in the order they
// happened: sb.act.<room>.log for kicks and bans, sb.act.<room>.room for
// the room's occupied/vacated states, sb.act.<room>.p.<digest of a user
// id> for a person's joined/left states (user ids may hold characters a
// subject may not). It is never republished to clients.
const (
	actSubject = "sb.act."
	// hdrActivity marks an activity message (no epoch or offset).
	hdrActivity = "Sb-Activity"
)

var _ hub.ActivityLog = (*Broker)(nil)

// activityTries bounds the rounds of a Transition that lost races to
// other nodes.
const activityTries = 8

// transitionSubject is where subject's states in room are stored.
func transitionSubject(room, subject string) string {
	if subject == "" {
		return actSubject + room + ".room"
	}
	sum := sha256.Sum256([]byte(subject))
	return actSubject + room + ".p." + hex.EncodeToString(sum[:12])
}

// Transition implements hub.ActivityLog: it reads the subject's last state
// and appends ev unless it is that state, on condition that nothing was
// appended since (JetStream's expected last subject sequence), reading
// again after a lost race.
func (b *Broker) Transition(ctx context.Context, room, subject string, ev protocol.Event) (bool, error) {
	subj := transitionSubject(room, subject)
	data, err := activityData(room, ev)
	if err != nil {
		return false, err
	}
	for range activityTries {
		var last uint64
		m, err := b.msgs.stream.GetLastMsgForSubject(ctx, subj)
		switch {
		case errors.Is(err, jetstream.ErrMsgNotFound):
		case err != nil:
			return false, fmt.Errorf("broker: activity of %s: %w", room, err)
		default:
			var prev protocol.Event
			if json.Unmarshal(m.Data, &prev) == nil && prev.Type == ev.Type {
				return false, nil // another node stored it
			}
			last = m.Sequence
		}
		msg := &nats.Msg{Subject: subj, Data: data, Header: nats.Header{hdrActivity: []string{"1"}}}
		_, err = b.js.PublishMsg(ctx, msg, jetstream.WithExpectLastSequencePerSubject(last))
		if err == nil {
			return true, nil
		}
		if !wrongLastSeq(err) {
			return false, fmt.Errorf("broker: activity of %s: %w", room, err)
		}
	}
	return false, fmt.Errorf("broker: activity of %s: lost %d races in a row", room, activityTries)
}

// Record implements hub.ActivityLog.
func (b *Broker) Record(ctx context.Context, room, msgID string, ev protocol.Event) error {
	data, err := activityData(room, ev)
	if err != nil {
		return err
	}
	msg := &nats.Msg{Subject: actSubject + room + ".log", Data: data, Header: nats.Header{hdrActivity: []string{"1"}}}
	if _, err := b.js.PublishMsg(ctx, msg, jetstream.WithMsgID("act/"+room+"/"+msgID)); err != nil {
		return fmt.Errorf("broker: activity of %s: %w", room, err)
	}
	return nil
}

// Occupied implements hub.ActivityLog.
func (b *Broker) Occupied(ctx context.Context) ([]string, error) {
	var rooms []string
	err := b.lastStates(ctx, actSubject+"*.room", func(subject string, ev protocol.Event) {
		if ev.Type == protocol.EvRoomOccupied {
			room, _, _ := strings.Cut(strings.TrimPrefix(subject, actSubject), ".")
			rooms = append(rooms, room)
		}
	})
	return rooms, err
}

// Present implements hub.ActivityLog.
func (b *Broker) Present(ctx context.Context, room string) ([]protocol.User, error) {
	var people []protocol.User
	err := b.lastStates(ctx, actSubject+room+".p.*", func(_ string, ev protocol.Event) {
		if ev.Type == protocol.EvMemberJoined && ev.User != nil {
			people = append(people, *ev.User)
		}
	})
	return people, err
}

// lastStates calls fn with the last stored state of each subject matching
// filter.
func (b *Broker) lastStates(ctx context.Context, filter string, fn func(subject string, ev protocol.Event)) error {
	info, err := b.msgs.stream.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return fmt.Errorf("broker: activity states: %w", err)
	}
	for subject := range info.State.Subjects {
		m, err := b.msgs.stream.GetLastMsgForSubject(ctx, subject)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // gone with retention meanwhile
		}
		if err != nil {
			return fmt.Errorf("broker: activity states: %w", err)
		}
		var ev protocol.Event
		if json.Unmarshal(m.Data, &ev) == nil {
			fn(subject, ev)
		}
	}
	return nil
}

func activityData(room string, ev protocol.Event) ([]byte, error) {
	if !protocol.IsActivity(ev.Type) {
		return nil, fmt.Errorf("broker: %q is not room activity", ev.Type)
	}
	ev.Room = room
	return json.Marshal(&ev)
}

// wrongLastSeq reports a lost race of a conditional append (10164 on
// replicated streams).
func wrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// decodeStored decodes a message of the room stream: a room's event, or
// its activity (subject under actSubject, or hdrActivity set, as dead
// letters keep it).
func decodeStored(subject string, h nats.Header, data []byte) (protocol.Event, error) {
	if rest, ok := strings.CutPrefix(subject, actSubject); ok || h.Get(hdrActivity) != "" {
		var ev protocol.Event
		if err := json.Unmarshal(data, &ev); err != nil {
			return ev, fmt.Errorf("decode room activity: %w", err)
		}
		if ok {
			ev.Room, _, _ = strings.Cut(rest, ".")
		}
		return ev, nil
	}
	return decode(strings.TrimPrefix(subject, roomSubject), h, data)
}

package broker

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// bansBucket holds room access rules that must hold on every node and
// across restarts: who is banned from which room until when, and which
// rooms an admin declared private.
const bansBucket = "SWITCHBOARD_BANS"

// privateKey is where a room declared private by an admin is marked.
func privateKey(room string) string { return "private." + room }

// SetPrivate marks room private (or not) on every node.
func (b *Broker) SetPrivate(ctx context.Context, room string, private bool) error {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	if !private {
		err := b.bans.Delete(ctx, privateKey(room))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil
		}
		return err
	}
	_, err := b.bans.Put(ctx, privateKey(room), []byte("1"))
	return err
}

// Private reports whether an admin declared room private.
func (b *Broker) Private(ctx context.Context, room string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	_, err := b.bans.Get(ctx, privateKey(room))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return false, nil
	}
	return err == nil, err
}

// openBans creates or opens the bans bucket; New calls it once.
func (b *Broker) openBans(ctx context.Context) (jetstream.KeyValue, error) {
	return b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: bansBucket, Description: "Switchboard room bans and privacy", History: 1,
		Storage: jetstream.FileStorage, Replicas: b.opts.Replicas,
	})
}

func banKey(room, user string) string { return room + "." + hex.EncodeToString([]byte(user)) }

// Ban keeps user out of room until the given time.
func (b *Broker) Ban(ctx context.Context, room, user string, until time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	_, err := b.bans.Put(ctx, banKey(room, user), []byte(strconv.FormatInt(until.UnixMilli(), 10)))
	return err
}

// BannedUntil returns when user's ban from room ends (zero if none).
func (b *Broker) BannedUntil(ctx context.Context, room, user string) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	e, err := b.bans.Get(ctx, banKey(room, user))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	ms, err := strconv.ParseInt(string(e.Value()), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("broker: ban record of %s: %w", room, err)
	}
	return time.UnixMilli(ms), nil
}

// deletedBucket remembers which messages were deleted, for DeletedAge: a
// deletion is an event in the room's stream, and an edit of the message
// must not have to look for it there.
const deletedBucket = "SWITCHBOARD_DELETED"

// openDeleted creates or opens the deleted bucket; New calls it once.
func (b *Broker) openDeleted(ctx context.Context) (jetstream.KeyValue, error) {
	return b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: deletedBucket, Description: "Switchboard messages deleted lately", History: 1,
		TTL: b.opts.DeletedAge, Storage: jetstream.FileStorage, Replicas: b.opts.Replicas,
	})
}

func deletedKey(room string, offset uint64) string {
	return room + "." + strconv.FormatUint(offset, 10)
}

// MarkDeleted records, on every node and for DeletedAge, that message
// offset of room was deleted.
func (b *Broker) MarkDeleted(ctx context.Context, room string, offset uint64) error {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	_, err := b.deleted.Put(ctx, deletedKey(room, offset), []byte("1"))
	return err
}

// Deleted reports whether MarkDeleted recorded message offset of room
// within DeletedAge.
func (b *Broker) Deleted(ctx context.Context, room string, offset uint64) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	_, err := b.deleted.Get(ctx, deletedKey(room, offset))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return false, nil
	}
	return err == nil, err
}

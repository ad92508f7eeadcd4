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

// bansBucket holds who is banned from which room until when, so bans hold
// on every node and across restarts.
const bansBucket = "SWITCHBOARD_BANS"

// openBans creates or opens the bans bucket; New calls it once.
func (b *Broker) openBans(ctx context.Context) (jetstream.KeyValue, error) {
	return b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: bansBucket, Description: "Switchboard room bans", History: 1,
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

package broker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// keysBucket holds secrets every node must share, in JetStream: with the
// embedded server it lives in the data folder; on a cluster it is
// replicated like the rooms.
const keysBucket = "SWITCHBOARD_KEYS"

// sessionKeyPrefix names session signing keys by generation:
// session.1, session.2, …; the highest signs, the last KeepSessionKeys verify.
const sessionKeyPrefix = "session."

// sessionKeyWait bounds how long SessionKeys waits for a stored key to be
// readable.
const sessionKeyWait = 30 * time.Second

// KeepSessionKeys is how many key generations still verify after a
// rotation: sessions signed up to two rotations ago stay valid.
const KeepSessionKeys = 3

func (b *Broker) keysKV(ctx context.Context) (jetstream.KeyValue, error) {
	kv, err := b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: keysBucket, Description: "Switchboard shared secrets", History: 1,
		Storage: jetstream.FileStorage, Replicas: b.opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("broker: keys bucket: %w", err)
	}
	return kv, nil
}

// SessionKeys returns the session signing keys, oldest first (the last
// signs). The first node ever to ask stores fresh as generation 1; with
// rotate, fresh becomes a new generation, and generations older than
// KeepSessionKeys are removed.
func (b *Broker) SessionKeys(ctx context.Context, fresh []byte, rotate bool) ([][]byte, error) {
	kv, err := b.keysKV(ctx)
	if err != nil {
		return nil, err
	}
	gens, err := sessionGenerations(ctx, kv)
	if err != nil {
		return nil, err
	}
	if len(gens) == 0 || rotate {
		next := 1
		if len(gens) > 0 {
			next = gens[len(gens)-1] + 1
		}
		// Create fails if another node made this generation first: fine.
		if _, err := kv.Create(ctx, sessionKeyPrefix+strconv.Itoa(next), fresh); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("broker: store session key: %w", err)
		}
		if gens, err = sessionGenerations(ctx, kv); err != nil {
			return nil, err
		}
		for len(gens) > KeepSessionKeys {
			kv.Purge(ctx, sessionKeyPrefix+strconv.Itoa(gens[0]))
			gens = gens[1:]
		}
	}
	// On a cluster a key another node just stored may not be readable
	// here yet (a KV read can be served by a replica still catching up:
	// TestW5Tiny once started a node with none): read until one is, or
	// ctx ends (at most sessionKeyWait).
	ctx, cancel := context.WithTimeout(ctx, sessionKeyWait)
	defer cancel()
	for {
		keys, err := loadKeys(ctx, kv, gens)
		if err != nil || len(keys) > 0 {
			return keys, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("broker: no session key readable: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		if gens, err = sessionGenerations(ctx, kv); err != nil {
			return nil, err
		}
	}
}

// WatchSessionKeys calls fn with the current keys (oldest first) whenever
// they change, e.g. when another node rotates, until ctx ends.
func (b *Broker) WatchSessionKeys(ctx context.Context, fn func([][]byte)) error {
	kv, err := b.keysKV(ctx)
	if err != nil {
		return err
	}
	w, err := kv.Watch(ctx, sessionKeyPrefix+"*", jetstream.UpdatesOnly())
	if err != nil {
		return fmt.Errorf("broker: watch session keys: %w", err)
	}
	go func() {
		defer w.Stop()
		for range w.Updates() {
			if ctx.Err() != nil {
				return
			}
			gens, err := sessionGenerations(ctx, kv)
			if err != nil {
				b.log.Warn("reload session keys", "err", err)
				continue
			}
			if keys, err := loadKeys(ctx, kv, gens); err == nil && len(keys) > 0 {
				fn(keys)
			}
		}
	}()
	return nil
}

func sessionGenerations(ctx context.Context, kv jetstream.KeyValue) ([]int, error) {
	names, err := kv.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("broker: list keys: %w", err)
	}
	var gens []int
	for name := range names.Keys() {
		if n, err := strconv.Atoi(strings.TrimPrefix(name, sessionKeyPrefix)); err == nil && strings.HasPrefix(name, sessionKeyPrefix) {
			gens = append(gens, n)
		}
	}
	slices.Sort(gens)
	return gens, nil
}

func loadKeys(ctx context.Context, kv jetstream.KeyValue, gens []int) ([][]byte, error) {
	var keys [][]byte
	for _, g := range gens[max(0, len(gens)-KeepSessionKeys):] {
		e, err := kv.Get(ctx, sessionKeyPrefix+strconv.Itoa(g))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("broker: read session key: %w", err)
		}
		keys = append(keys, e.Value())
	}
	return keys, nil
}

package broker

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// keysBucket holds secrets every node must share, in JetStream: with the
// embedded server it lives in the data folder; on a cluster it is
// replicated like the rooms.
const keysBucket = "SWITCHBOARD_KEYS"

// SessionKey returns the cluster's session signing key. The first node to
// ask stores fresh; every later call, on any node, gets that same key.
func (b *Broker) SessionKey(ctx context.Context, fresh []byte) ([]byte, error) {
	kv, err := b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      keysBucket,
		Description: "Switchboard shared secrets",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    b.opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("broker: keys bucket: %w", err)
	}
	if _, err := kv.Create(ctx, "session", fresh); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, fmt.Errorf("broker: store session key: %w", err)
	}
	e, err := kv.Get(ctx, "session")
	if err != nil {
		return nil, fmt.Errorf("broker: read session key: %w", err)
	}
	return e.Value(), nil
}

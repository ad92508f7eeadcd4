package broker

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/switchboard-rt/switchboard/server/hub"
)

// adminSubject prefixes the subjects of node-to-node questions (the admin
// dashboard's cluster-wide view).
const adminSubject = "sb.admin."

// Answer replies to every question asked on topic (by Ask, from any node)
// with fn's answer to it. Calls of fn are sequential.
func (b *Broker) Answer(topic string, fn func(question []byte) []byte) (hub.Subscription, error) {
	s, err := b.nc.Subscribe(adminSubject+topic, func(m *nats.Msg) {
		if m.Reply == "" {
			return
		}
		if err := m.Respond(fn(m.Data)); err != nil {
			b.log.Debug("answer", "topic", topic, "err", err)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("answer %s: %w", topic, err)
	}
	return subscription{s}, nil
}

// Ask puts question to every node answering topic, this one included, and
// returns the answers that came before wait passed, or as soon as want
// answers came (want <= 0: wait the whole time).
func (b *Broker) Ask(ctx context.Context, topic string, question []byte, want int, wait time.Duration) ([][]byte, error) {
	inbox := nats.NewInbox()
	replies := make(chan *nats.Msg, 64)
	sub, err := b.nc.ChanSubscribe(inbox, replies)
	if err != nil {
		return nil, fmt.Errorf("ask %s: %w", topic, err)
	}
	defer sub.Unsubscribe()
	if err := b.nc.PublishRequest(adminSubject+topic, inbox, question); err != nil {
		return nil, fmt.Errorf("ask %s: %w", topic, err)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var answers [][]byte
	for want <= 0 || len(answers) < want {
		select {
		case m := <-replies:
			answers = append(answers, m.Data)
		case <-timer.C:
			return answers, nil
		case <-ctx.Done():
			return answers, ctx.Err()
		}
	}
	return answers, nil
}

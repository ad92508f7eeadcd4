package broker_test

import (
	"context"
	"testing"

	"github.com/switchboard-rt/switchboard/server/broker"
	"github.com/switchboard-rt/switchboard/server/broker/brokertest"
	"github.com/switchboard-rt/switchboard/server/natsd"
)

// The NATS JetStream broker passes the ports' conformance suite: nodes are
// brokers on their own connections to one embedded NATS server.
func TestConformance(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, cfg brokertest.Config) []brokertest.Broker {
		ns, err := natsd.Start(natsd.Options{StoreDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ns.Shutdown)
		var out []brokertest.Broker
		for range cfg.Nodes {
			nc, err := ns.Connect()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nc.Close)
			b, err := broker.New(context.Background(), nc, broker.Options{HistorySize: int64(cfg.HistorySize)})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	})
}

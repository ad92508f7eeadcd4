package memory_test

import (
	"testing"

	"github.com/switchboard-rt/switchboard/server/broker/brokertest"
	"github.com/switchboard-rt/switchboard/server/broker/memory"
)

// The in-memory twin passes the same conformance suite as the NATS broker.
func TestConformance(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, cfg brokertest.Config) []brokertest.Broker {
		c := memory.New(memory.Options{HistorySize: cfg.HistorySize})
		var out []brokertest.Broker
		for range cfg.Nodes {
			out = append(out, c.Node())
		}
		return out
	})
}

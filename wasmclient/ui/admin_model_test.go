package ui

import (
	"math"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/shared/adminapi"
)

func TestAdminModelRatesAndLatency(t *testing.T) {
	bounds := []float64{0.01, 0.1, 1}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	stats := func(at time.Time, conns int, stored, delivered uint64, counts []uint64) adminapi.Stats {
		h := adminapi.Histogram{Bounds: bounds, Counts: counts, Count: counts[len(counts)-1]}
		return adminapi.Stats{Time: at.UnixMilli(), Node: "a", Nodes: []adminapi.NodeStats{
			{Node: "a", Connections: conns, MessagesStored: stored / 2, MessagesDelivered: delivered / 2, Delivery: h},
			{Node: "b", Connections: 1, MessagesStored: stored - stored/2, MessagesDelivered: delivered - delivered/2},
		}}
	}
	var m adminModel
	m.add(stats(t0, 2, 10, 20, []uint64{5, 5, 5}))
	if len(m.conns) != 1 || m.conns[0].V != 3 || len(m.stored) != 0 {
		t.Fatalf("after one answer: conns %v stored %v", m.conns, m.stored)
	}
	// Two seconds later: 20 more stored, 60 more delivered, and 10 new
	// deliveries all in (0.01, 0.1].
	m.add(stats(t0.Add(2*time.Second), 4, 30, 80, []uint64{5, 15, 15}))
	if got := m.stored[0].V; got != 10 {
		t.Errorf("stored/s = %v, want 10", got)
	}
	if got := m.delivered[0].V; got != 30 {
		t.Errorf("delivered/s = %v, want 30", got)
	}
	if got := m.p99[0].V; math.Abs(got-99.1) > 0.01 {
		t.Errorf("p99 = %v ms, want 99.1", got)
	}
	if m.total.Connections != 5 {
		t.Errorf("total connections = %d, want 5", m.total.Connections)
	}
	// Points older than the window are dropped.
	m.add(stats(t0.Add(adminWindow+time.Second), 1, 30, 80, []uint64{5, 15, 15}))
	if len(m.conns) != 2 || !m.conns[0].T.Equal(t0.Add(2*time.Second)) {
		t.Errorf("window: %v", m.conns)
	}
	if len(m.p50) != 1 {
		t.Errorf("no new deliveries must add no latency point: %v", m.p50)
	}
}

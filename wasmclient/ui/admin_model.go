package ui

import (
	"time"

	"github.com/switchboard-rt/switchboard/shared/adminapi"
)

// adminWindow is how much history the dashboard's charts keep and show.
const adminWindow = 5 * time.Minute

// adminModel is what the dashboard shows, built from the stats it polls:
// the latest answer and, from consecutive answers, the series of its
// charts. Plain data, no browser: tested natively.
type adminModel struct {
	stats adminapi.Stats
	// total is the cluster's sum of the latest answer.
	total adminapi.NodeStats
	// loaded is set once a first answer came.
	loaded bool

	prevAt    time.Time
	prev      adminapi.NodeStats
	conns     []Point
	stored    []Point // events stored per second
	delivered []Point // events delivered per second
	p50, p99  []Point // delivery latency, ms
}

// add takes one polled answer.
func (m *adminModel) add(s adminapi.Stats) {
	at := time.UnixMilli(s.Time)
	tot := s.Total()
	m.stats, m.total, m.loaded = s, tot, true
	m.conns = keepWindow(append(m.conns, Point{at, float64(tot.Connections)}), at)
	if !m.prevAt.IsZero() && at.After(m.prevAt) {
		dt := at.Sub(m.prevAt).Seconds()
		m.stored = keepWindow(append(m.stored, Point{at, perSecond(tot.MessagesStored, m.prev.MessagesStored, dt)}), at)
		m.delivered = keepWindow(append(m.delivered, Point{at, perSecond(tot.MessagesDelivered, m.prev.MessagesDelivered, dt)}), at)
		d := tot.Delivery.Since(m.prev.Delivery)
		if v, ok := d.Quantile(0.5); ok {
			m.p50 = keepWindow(append(m.p50, Point{at, v * 1000}), at)
		}
		if v, ok := d.Quantile(0.99); ok {
			m.p99 = keepWindow(append(m.p99, Point{at, v * 1000}), at)
		}
	}
	m.prevAt, m.prev = at, tot
}

// perSecond is the rate of a counter between two readings dt seconds
// apart; a counter that went down (a node restarted or left) counts from 0.
func perSecond(now, before uint64, dt float64) float64 {
	if now < before {
		return float64(now) / dt
	}
	return float64(now-before) / dt
}

// keepWindow drops the points older than adminWindow before now.
func keepWindow(pts []Point, now time.Time) []Point {
	i := 0
	for i < len(pts) && now.Sub(pts[i].T) > adminWindow {
		i++
	}
	return pts[i:]
}

// charts are the dashboard's series, one chart per unit.
func (m *adminModel) connSeries() []Series {
	return []Series{{Name: "Connections", Unit: "connections", Points: m.conns}}
}

func (m *adminModel) rateSeries() []Series {
	return []Series{
		{Name: "Stored", Unit: "msg/s", Points: m.stored},
		{Name: "Delivered", Unit: "msg/s", Points: m.delivered},
	}
}

func (m *adminModel) latencySeries() []Series {
	return []Series{
		{Name: "p50", Unit: "ms", Points: m.p50},
		{Name: "p99", Unit: "ms", Points: m.p99},
	}
}

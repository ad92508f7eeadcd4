package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Snapshot is the current value of the metrics the admin dashboard shows.
type Snapshot struct {
	Connections, Rooms, Members                         int
	MessagesReceived, MessagesStored, MessagesDelivered uint64
	// Delivery is the delivery latency histogram so far.
	Delivery Histogram
}

// Histogram is a cumulative histogram: Counts[i] observations were at most
// Bounds[i] seconds.
type Histogram struct {
	Bounds []float64
	Counts []uint64
	Count  uint64
	Sum    float64
}

// Snapshot reads the metrics' current values.
func (m *Metrics) Snapshot() Snapshot {
	s := Snapshot{
		Connections:       int(value(m.Connections)),
		Rooms:             int(value(m.Rooms)),
		Members:           int(value(m.Members)),
		MessagesReceived:  uint64(value(m.MessagesReceived)),
		MessagesStored:    uint64(value(m.MessagesStored)),
		MessagesDelivered: uint64(value(m.MessagesDelivered)),
	}
	var d dto.Metric
	if m.DeliverySeconds.Write(&d) == nil && d.Histogram != nil {
		h := d.Histogram
		s.Delivery.Count, s.Delivery.Sum = h.GetSampleCount(), h.GetSampleSum()
		for _, b := range h.Bucket {
			s.Delivery.Bounds = append(s.Delivery.Bounds, b.GetUpperBound())
			s.Delivery.Counts = append(s.Delivery.Counts, b.GetCumulativeCount())
		}
	}
	return s
}

// value reads a gauge's or counter's value.
func value(c prometheus.Metric) float64 {
	var d dto.Metric
	if c.Write(&d) != nil {
		return 0
	}
	switch {
	case d.Gauge != nil:
		return d.Gauge.GetValue()
	case d.Counter != nil:
		return d.Counter.GetValue()
	}
	return 0
}

package hub

// Metrics are what the hub counts, as small interfaces the Prometheus
// collectors of package metrics satisfy (metrics.Metrics.Hub), so the hub
// does not depend on Prometheus. A nil field counts nothing.
type Metrics struct {
	// Rooms is the number of rooms with members on this node; Members the
	// number of memberships.
	Rooms, Members Gauge
	// MessagesDelivered counts stored events queued to local members.
	MessagesDelivered Counter
	// DeliverySeconds observes the time from a send being accepted to its
	// stored event reaching this node's fan-out.
	DeliverySeconds Observer
	// ResumesRecovered and ResumesLost count joins that asked to resume:
	// given exactly what they missed, or not.
	ResumesRecovered, ResumesLost Counter
}

// Counter only goes up.
type Counter interface {
	Inc()
	Add(float64)
}

// Gauge goes up and down.
type Gauge interface {
	Inc()
	Dec()
	Set(float64)
}

// Observer records a distribution.
type Observer interface {
	Observe(float64)
}

// uncounted is a Counter, Gauge and Observer that keeps nothing.
type uncounted struct{}

func (uncounted) Inc()            {}
func (uncounted) Dec()            {}
func (uncounted) Add(float64)     {}
func (uncounted) Set(float64)     {}
func (uncounted) Observe(float64) {}

func (m *Metrics) setDefaults() {
	for _, g := range []*Gauge{&m.Rooms, &m.Members} {
		if *g == nil {
			*g = uncounted{}
		}
	}
	for _, c := range []*Counter{&m.MessagesDelivered, &m.ResumesRecovered, &m.ResumesLost} {
		if *c == nil {
			*c = uncounted{}
		}
	}
	if m.DeliverySeconds == nil {
		m.DeliverySeconds = uncounted{}
	}
}

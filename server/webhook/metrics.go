package webhook

// Metrics are what a Deliverer counts, as small interfaces the Prometheus
// collectors of package metrics satisfy (metrics.Metrics.Webhook). A nil
// field counts nothing.
type Metrics struct {
	// Delivered counts events a receiver accepted (2xx).
	Delivered Counter
	// Failed counts failed attempts (each is retried, or dead-lettered).
	Failed Counter
	// DeadLetters counts events given up after the retry budget.
	DeadLetters Counter
	// Seconds observes the time of each accepted attempt.
	Seconds Observer
}

// Counter only goes up.
type Counter interface{ Inc() }

// Observer records a distribution.
type Observer interface{ Observe(float64) }

type uncounted struct{}

func (uncounted) Inc()            {}
func (uncounted) Observe(float64) {}

func (m *Metrics) setDefaults() {
	for _, c := range []*Counter{&m.Delivered, &m.Failed, &m.DeadLetters} {
		if *c == nil {
			*c = uncounted{}
		}
	}
	if m.Seconds == nil {
		m.Seconds = uncounted{}
	}
}

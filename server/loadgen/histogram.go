package loadgen

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram counts latencies in log-linear buckets (64 per power of two,
// so a quantile is within 1.6% of the true value) with atomic counters:
// thousands of receivers record into one without a lock. The zero value is
// ready to use.
type histogram struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
	max    atomic.Int64
}

const (
	subBits     = 6
	subBuckets  = 1 << subBits
	histBuckets = (64 - subBits + 1) * subBuckets
)

func bucketOf(ns int64) int {
	if ns < subBuckets {
		if ns < 0 {
			return 0
		}
		return int(ns)
	}
	e := bits.Len64(uint64(ns)) - subBits - 1
	m := ns >> e // in [subBuckets, 2*subBuckets)
	return (e+1)*subBuckets + int(m-subBuckets)
}

// bucketHigh is the largest value bucket i holds.
func bucketHigh(i int) int64 {
	if i < subBuckets {
		return int64(i)
	}
	e := i/subBuckets - 1
	m := int64(i%subBuckets + subBuckets)
	return (m+1)<<e - 1
}

// record adds one latency.
func (h *histogram) record(d time.Duration) {
	ns := int64(d)
	h.counts[bucketOf(ns)].Add(1)
	h.n.Add(1)
	for {
		cur := h.max.Load()
		if ns <= cur || h.max.CompareAndSwap(cur, ns) {
			return
		}
	}
}

// count returns how many latencies were recorded.
func (h *histogram) count() uint64 { return h.n.Load() }

// quantile returns the latency at or below which fraction q of the
// recorded ones lie (0 with none recorded).
func (h *histogram) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			v := time.Duration(bucketHigh(i))
			if m := time.Duration(h.max.Load()); v > m {
				v = m
			}
			return v
		}
	}
	return time.Duration(h.max.Load())
}

// Latency summarises a histogram.
type Latency struct {
	Count              uint64
	P50, P90, P99, Max time.Duration
}

func (h *histogram) summary() Latency {
	return Latency{
		Count: h.count(),
		P50:   h.quantile(0.50), P90: h.quantile(0.90), P99: h.quantile(0.99),
		Max: time.Duration(h.max.Load()),
	}
}

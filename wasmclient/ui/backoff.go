package ui

import (
	"math/rand/v2"
	"time"
)

// Reconnect delays: the ceiling starts at backoffBase and doubles with each
// failed attempt up to backoffMax.
const (
	backoffBase = 500 * time.Millisecond
	backoffMax  = 20 * time.Second
)

// fullJitter returns how long to wait before reconnect attempt number attempt
// (0 for the first retry after a failure): a uniformly random duration in
// [0, min(backoffMax, backoffBase·2^attempt)). Full jitter spreads the
// reconnects of a whole room after a server restart instead of bringing them
// back in waves. rnd returns a number in [0, 1); nil means math/rand/v2.
func fullJitter(attempt int, rnd func() float64) time.Duration {
	if rnd == nil {
		rnd = rand.Float64
	}
	ceiling := backoffMax
	if attempt < 16 { // 500 ms << 6 already exceeds 20 s; avoid overflow
		if c := backoffBase << attempt; c < backoffMax {
			ceiling = c
		}
	}
	return time.Duration(rnd() * float64(ceiling))
}

// ceilSeconds rounds d up to whole seconds, for "Reconnecting in N s".
func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

package ui

import (
	"testing"
	"time"
)

func TestCeilSeconds(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]int{
		-time.Second:            0,
		0:                       0,
		time.Millisecond:        1,
		time.Second:             1,
		time.Second + 1:         2,
		19*time.Second + 999999: 20,
	} {
		if got := ceilSeconds(d); got != want {
			t.Errorf("ceilSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}

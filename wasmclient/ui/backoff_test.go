package ui

import (
	"testing"
	"time"
)

func TestFullJitterBounds(t *testing.T) {
	t.Parallel()
	almostOne := func() float64 { return 0.999999 }
	zero := func() float64 { return 0 }
	tests := []struct {
		attempt int
		ceiling time.Duration
	}{
		{0, 500 * time.Millisecond},
		{1, time.Second},
		{2, 2 * time.Second},
		{5, 16 * time.Second},
		{6, 20 * time.Second},
		{40, 20 * time.Second},
		{1000, 20 * time.Second},
	}
	for _, tt := range tests {
		if got := fullJitter(tt.attempt, zero); got != 0 {
			t.Errorf("fullJitter(%d, 0) = %v, want 0", tt.attempt, got)
		}
		got := fullJitter(tt.attempt, almostOne)
		if got > tt.ceiling || got < tt.ceiling-tt.ceiling/1000 {
			t.Errorf("fullJitter(%d, ~1) = %v, want just under %v", tt.attempt, got, tt.ceiling)
		}
	}
	for range 1000 {
		if d := fullJitter(3, nil); d < 0 || d >= 4*time.Second {
			t.Fatalf("fullJitter(3, rand) = %v, outside [0, 4s)", d)
		}
	}
}

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

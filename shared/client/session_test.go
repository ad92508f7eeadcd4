package client

import (
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// The zero options take the documented defaults: backoff 0.5 s to 20 s,
// a ping every 15 s answered within 10 s.
func TestSessionDefaults(t *testing.T) {
	s := NewSession(SessionOptions{URLs: []string{"ws://example.invalid/ws"}})
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{
		{"MinBackoff", s.opts.MinBackoff, 500 * time.Millisecond},
		{"MaxBackoff", s.opts.MaxBackoff, 20 * time.Second},
		{"PingInterval", s.opts.PingInterval, 15 * time.Second},
		{"PingTimeout", s.opts.PingTimeout, 10 * time.Second},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// Backoff is full jitter over a window that doubles with each attempt
// from MinBackoff up to MaxBackoff: every wait lies in [MinBackoff,
// min(MaxBackoff, MinBackoff·2^attempt)], and the waits spread over the
// whole window (so they grow with the attempts, and clients that lost the
// same server do not come back in step).
func TestSessionBackoff(t *testing.T) {
	for _, c := range []struct {
		name     string
		min, max time.Duration
	}{
		{"defaults", 0, 0},
		{"short", 10 * time.Millisecond, 500 * time.Millisecond},
		{"equal bounds", time.Second, time.Second},
		{"huge", time.Hour, 100 * time.Hour}, // no overflow at high attempts
	} {
		t.Run(c.name, func(t *testing.T) {
			s := NewSession(SessionOptions{URLs: []string{"ws://example.invalid/ws"}, MinBackoff: c.min, MaxBackoff: c.max})
			lo, hi := s.opts.MinBackoff, s.opts.MaxBackoff
			const samples = 2000
			prevTop := time.Duration(0)
			for attempt := 1; attempt <= 40; attempt++ {
				// The window doubles per attempt (at most 16 times: past
				// that, MaxBackoff/MinBackoff ratios are not meant) up to
				// MaxBackoff.
				window := lo
				for range min(attempt, 16) {
					window = min(2*window, hi)
				}
				var top time.Duration
				for range samples {
					d := s.backoff(attempt)
					if d < lo || d > window {
						t.Fatalf("attempt %d: wait %v outside [%v, %v]", attempt, d, lo, window)
					}
					top = max(top, d)
				}
				// The largest of 2000 uniform draws is within 1% of the
				// window's top but for a chance of about 2e-9.
				if span := window - lo; span > 0 && top < window-span/100 {
					t.Fatalf("attempt %d: largest wait %v of %d, want close to the window's end %v", attempt, top, samples, window)
				}
				if top < prevTop-(hi-lo)/100 {
					t.Fatalf("attempt %d: largest wait %v, below the previous attempt's %v", attempt, top, prevTop)
				}
				prevTop = top
			}
			if lo < hi && prevTop < hi-(hi-lo)/100 {
				t.Fatalf("after many attempts the largest wait is %v, want close to MaxBackoff %v", prevTop, hi)
			}
		})
	}
}

// An event is one the app has when it stands at or before the mark in the
// same epoch; another epoch is always new (history was lost or recreated).
func TestMarkHas(t *testing.T) {
	m := mark{epoch: "e1", offset: 5}
	for _, c := range []struct {
		epoch  string
		offset uint64
		want   bool
	}{
		{"e1", 4, true},
		{"e1", 5, true},
		{"e1", 6, false},
		{"e2", 1, false},
		{"e2", 5, false},
		{"", 5, false},
	} {
		if got := m.has(protocol.Event{Epoch: c.epoch, Offset: c.offset}); got != c.want {
			t.Errorf("mark %+v has (%q, %d) = %v, want %v", m, c.epoch, c.offset, got, c.want)
		}
	}
}

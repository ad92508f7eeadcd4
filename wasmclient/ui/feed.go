package ui

import (
	"slices"
	"strings"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// How much of a room's feed the page keeps: the points of the last
// feedKeep before the newest, at most feedMaxPoints per series. The
// charts show DefaultChartWindow of it.
const (
	feedKeep      = 3 * DefaultChartWindow
	feedMaxPoints = 4000
)

// feedModel is a room's live data as the page shows it: one Series per
// series name, in the order the names first appeared. It belongs to the UI
// goroutine.
type feedModel struct {
	series []Series
	at     map[string]int // series name → index in series
}

// applyFeed applies the feed answer: what it carries follows what the page
// has (recovered), or replaces it.
func (f *feedModel) applyFeed(ev protocol.Event) {
	if !ev.Recovered {
		*f = feedModel{}
	}
	for _, e := range ev.Events {
		f.applyPoints(e)
	}
}

// applyPoints adds the points of one feed event.
func (f *feedModel) applyPoints(ev protocol.Event) {
	if f.at == nil {
		f.at = make(map[string]int)
	}
	for _, p := range ev.Points {
		i, ok := f.at[p.Series]
		if !ok {
			i = len(f.series)
			f.at[p.Series] = i
			f.series = append(f.series, Series{Name: p.Series})
		}
		s := &f.series[i]
		s.Unit = p.Unit
		at := time.UnixMilli(p.Time)
		pt := Point{T: at, V: p.Value}
		// Points come in time order almost always; keep the series sorted
		// when a publisher's clock says otherwise.
		if n := len(s.Points); n == 0 || !at.Before(s.Points[n-1].T) {
			s.Points = append(s.Points, pt)
		} else {
			j, _ := slices.BinarySearchFunc(s.Points, at, func(p Point, t time.Time) int { return p.T.Compare(t) })
			s.Points = slices.Insert(s.Points, j, pt)
		}
		f.trim(s)
	}
}

// trim drops the points of s older than feedKeep before its newest, and
// the oldest beyond feedMaxPoints.
func (f *feedModel) trim(s *Series) {
	last, ok := s.Last()
	if !ok {
		return
	}
	cut := last.T.Add(-feedKeep)
	drop := 0
	for drop < len(s.Points) && s.Points[drop].T.Before(cut) {
		drop++
	}
	drop = max(drop, len(s.Points)-feedMaxPoints)
	if drop > 0 {
		s.Points = slices.Delete(s.Points, 0, drop)
	}
}

// chartLabel names a chart of series of one unit: "ACME, GLOBEX (USD)".
func chartLabel(group []Series) string {
	names := make([]string, len(group))
	for i, s := range group {
		names[i] = s.Name
	}
	label := strings.Join(names, ", ")
	if len(group) > 0 && group[0].Unit != "" {
		label += " (" + group[0].Unit + ")"
	}
	return label
}

// window is the span the charts show: DefaultChartWindow, or less while
// the feed covers less (at least a minute, in whole minutes), so a new
// feed fills its charts instead of sitting at their right edge.
func (f *feedModel) window() time.Duration {
	var first, last time.Time
	for _, s := range f.series {
		if len(s.Points) == 0 {
			continue
		}
		if t := s.Points[0].T; first.IsZero() || t.Before(first) {
			first = t
		}
		if t := s.Points[len(s.Points)-1].T; t.After(last) {
			last = t
		}
	}
	span := last.Sub(first)
	if span >= DefaultChartWindow {
		return DefaultChartWindow
	}
	return max(time.Minute, (span+time.Minute-1)/time.Minute*time.Minute)
}

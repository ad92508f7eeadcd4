package ui

import (
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func pointsEvent(offset uint64, at time.Time, pts ...protocol.Point) protocol.Event {
	for i := range pts {
		pts[i].Time = at.UnixMilli()
	}
	return protocol.Event{Type: protocol.EvPoints, Offset: offset, Points: pts}
}

func TestFeedModel(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	var f feedModel
	f.applyFeed(protocol.Event{Type: protocol.EvFeed, Events: []protocol.Event{
		pointsEvent(1, t0, protocol.Point{Series: "ACME", Unit: "USD", Value: 1}, protocol.Point{Series: "Oslo", Unit: "°C", Value: 4}),
		pointsEvent(2, t0.Add(time.Second), protocol.Point{Series: "ACME", Unit: "USD", Value: 2}),
	}})
	if len(f.series) != 2 || f.series[0].Name != "ACME" || len(f.series[0].Points) != 2 || f.series[1].Unit != "°C" {
		t.Fatalf("series after the feed answer: %+v", f.series)
	}
	// A point with an earlier time goes in its place.
	f.applyPoints(pointsEvent(3, t0.Add(500*time.Millisecond), protocol.Point{Series: "ACME", Unit: "USD", Value: 1.5}))
	if got := f.series[0].Points; len(got) != 3 || got[1].V != 1.5 || got[2].V != 2 {
		t.Fatalf("out-of-order point: %+v", got)
	}
	// Points older than feedKeep before the newest are dropped.
	f.applyPoints(pointsEvent(4, t0.Add(feedKeep+time.Minute), protocol.Point{Series: "ACME", Unit: "USD", Value: 9}))
	if got := f.series[0].Points; len(got) != 1 || got[0].V != 9 {
		t.Fatalf("after a long gap: %+v", got)
	}
	// A recovered answer adds; one that did not recover replaces.
	f.applyFeed(protocol.Event{Type: protocol.EvFeed, Recovered: true, Events: []protocol.Event{
		pointsEvent(5, t0.Add(feedKeep+2*time.Minute), protocol.Point{Series: "ACME", Unit: "USD", Value: 10}),
	}})
	if len(f.series[0].Points) != 2 {
		t.Fatalf("recovered: %+v", f.series[0].Points)
	}
	f.applyFeed(protocol.Event{Type: protocol.EvFeed})
	if len(f.series) != 0 {
		t.Fatalf("not recovered, empty: %+v", f.series)
	}
	// The charts show as much as the feed covers, up to the default window.
	var w feedModel
	w.applyPoints(pointsEvent(1, t0, protocol.Point{Series: "a", Value: 1}))
	w.applyPoints(pointsEvent(2, t0.Add(90*time.Second), protocol.Point{Series: "a", Value: 2}))
	if got := w.window(); got != 2*time.Minute {
		t.Errorf("window over 90 s of points = %v, want 2m", got)
	}
	w.applyPoints(pointsEvent(3, t0.Add(10*time.Minute), protocol.Point{Series: "a", Value: 3}))
	if got := w.window(); got != DefaultChartWindow {
		t.Errorf("window over 10 minutes = %v, want %v", got, DefaultChartWindow)
	}
	if got := chartLabel([]Series{{Name: "ACME", Unit: "USD"}, {Name: "GLOBEX", Unit: "USD"}}); got != "ACME, GLOBEX (USD)" {
		t.Errorf("chartLabel = %q", got)
	}
}

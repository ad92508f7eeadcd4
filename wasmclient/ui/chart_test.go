package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func TestLineChartDrawsPointsInView(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	c := &LineChart{Label: "Prices", Window: time.Minute, Now: now, Series: []Series{
		{Name: "BTC", Unit: "USD", Points: []Point{
			{now.Add(-2 * time.Minute), 1}, // out of view
			{now.Add(-30 * time.Second), 10},
			{now.Add(-10 * time.Second), 30},
			{now, 20},
		}},
		{Name: "ETH", Unit: "USD"},
	}}
	l := c.layout()
	if len(l.Lines) != 2 || l.Lines[0].Points != 3 || l.Lines[1].Points != 0 {
		t.Fatalf("lines = %+v", l.Lines)
	}
	if !strings.HasPrefix(l.Lines[0].Path, "M") || strings.Count(l.Lines[0].Path, "L") != 2 {
		t.Errorf("path = %q", l.Lines[0].Path)
	}
	if l.Lines[0].Current != "20 USD" {
		t.Errorf("current = %q", l.Lines[0].Current)
	}
	// The value axis holds every point in view, with round labels.
	if got := []string{l.YTicks[0].Label, l.YTicks[len(l.YTicks)-1].Label}; got[0] != "10" || got[1] != "30" {
		t.Errorf("value axis from %s to %s, want 10 to 30", got[0], got[1])
	}
	// The newest point is at the right edge, the highest at the top.
	if !strings.HasSuffix(l.Lines[0].Path, "L628.0 "+formatValue(chartTop+(chartH-chartTop-chartBottom)/2, 0.1)) {
		t.Errorf("path %q does not end at the right edge, half way up", l.Lines[0].Path)
	}
	if len(l.XTicks) < 2 {
		t.Errorf("time axis ticks = %+v", l.XTicks)
	}

	html := app.HTMLString(c)
	mustHave(t, html, "figure", `aria-label="Prices"`)
	mustHave(t, html, "path", `data-series="BTC"`, `data-points="3"`)
	mustHave(t, html, "svg", `viewBox="0 0 640 240"`)
	if !strings.Contains(html, "no data yet") {
		t.Errorf("an empty series does not say so:\n%s", html)
	}
}

func TestNiceSteps(t *testing.T) {
	for _, c := range []struct{ lo, hi, want float64 }{
		{0, 1, 0.5}, {10, 30, 5}, {0, 1000, 500}, {5, 5, 2}, {-3, 3, 2},
	} {
		if got := niceStep(c.lo, c.hi, 4); got != c.want {
			t.Errorf("niceStep(%v, %v) = %v, want %v", c.lo, c.hi, got, c.want)
		}
	}
	if got := formatValue(0.25, 0.05); got != "0.25" {
		t.Errorf("formatValue = %q", got)
	}
}

func TestGroupByUnit(t *testing.T) {
	g := GroupByUnit([]Series{{Name: "a", Unit: "°C"}, {Name: "b", Unit: "USD"}, {Name: "c", Unit: "°C"}})
	if len(g) != 2 || len(g[0]) != 2 || g[0][1].Name != "c" || g[1][0].Name != "b" {
		t.Errorf("groups = %+v", g)
	}
}

// A series younger than the window fills the chart: the time axis spans
// what there is (at least minChartWindow), and a measured chart is drawn at
// its own width, one unit a pixel.
func TestLineChartFitsYoungSeries(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	c := &LineChart{Label: "Connections", Window: 5 * time.Minute, Now: now, Series: []Series{
		{Name: "node", Unit: "connections", Points: []Point{{now.Add(-40 * time.Second), 1}, {now, 3}}},
	}}
	c.width = 320
	l := c.layout()
	w, h := c.size()
	if w != 320 || h < 150 || h > 240 {
		t.Fatalf("size at 320 px: %v x %v", w, h)
	}
	if !strings.HasPrefix(l.Lines[0].Path, fmt.Sprintf("M%.1f ", chartLeft)) {
		t.Errorf("the oldest point is not at the left edge: %q", l.Lines[0].Path)
	}
	if first, last := l.XTicks[0].Label, l.XTicks[len(l.XTicks)-1].Label; first < "11:59:20" || last != "12:00:00" {
		t.Errorf("time axis from %s to %s, want the last 40 s", first, last)
	}
	young := &LineChart{Window: 5 * time.Minute, Now: now, Series: []Series{{Name: "x", Points: []Point{{now.Add(-5 * time.Second), 1}, {now, 2}}}}}
	ly := young.layout()
	if got := ly.XTicks[0].Label; got < "11:59:25" {
		t.Errorf("a 5 s old series: axis from %s, want %v at most", got, minChartWindow)
	}
	// The unit sits above the plot from its left edge (a long one is not cut).
	mustHave(t, app.HTMLString(c), "text", `text-anchor="start"`)
}

package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Point is one value of a series at a time.
type Point struct {
	T time.Time
	V float64
}

// Series is one line of a chart: its points in time order.
type Series struct {
	Name   string
	Unit   string
	Points []Point
}

// Last returns the series' newest point and whether it has one.
func (s Series) Last() (Point, bool) {
	if len(s.Points) == 0 {
		return Point{}, false
	}
	return s.Points[len(s.Points)-1], true
}

// The chart's drawing area, in SVG user units (the SVG scales to its box).
const (
	chartW       = 640.0
	chartH       = 240.0
	chartLeft    = 56.0 // room for the value axis labels
	chartRight   = 12.0
	chartTop     = 24.0 // room for the unit above the value axis
	chartBottom  = 28.0 // room for the time axis labels
	chartPalette = 6    // series colours: .chart-s0 ... .chart-s5 in app.css
	// DefaultChartWindow is the span a chart shows when Window is zero.
	DefaultChartWindow = 5 * time.Minute
	// minChartWindow is the shortest span the time axis shrinks to for
	// series younger than Window.
	minChartWindow = 30 * time.Second
)

// LineChart draws series as an SVG line chart (no JavaScript library): the
// last Window of time up to Now, a time axis, a value axis labelled with the
// unit, and a legend with each series' current value. Series drawn in one
// chart share the value axis, so give it series of one unit (GroupByUnit).
// Label is the chart's accessible name.
type LineChart struct {
	app.Compo
	Label  string
	Window time.Duration
	Now    time.Time // the right edge; zero: the newest point
	Series []Series

	// width is the drawing's width in CSS pixels, measured in the
	// browser (0 before: drawn at chartW and scaled). Drawn at its own
	// width, one SVG unit is one pixel, so the labels keep their size
	// (11 px and up) however wide the chart is.
	width    float64
	observer app.Value
	onResize app.Func
}

// size is the drawing's size in SVG units: its measured width, and a
// height that follows it within bounds; unmeasured, chartW by chartH.
func (c *LineChart) size() (w, h float64) {
	if c.width < 160 {
		return chartW, chartH
	}
	return c.width, math.Min(240, math.Max(150, c.width*0.4))
}

// OnMount measures the chart, and again whenever its box changes size.
func (c *LineChart) OnMount(ctx app.Context) {
	ro := app.Window().Get("ResizeObserver")
	if !ro.Truthy() {
		return
	}
	c.onResize = app.FuncOf(func(_ app.Value, args []app.Value) any {
		if len(args) == 0 || args[0].Length() == 0 {
			return nil
		}
		w := args[0].Index(0).Get("contentRect").Get("width").Float()
		ctx.Dispatch(func(app.Context) {
			if math.Abs(w-c.width) >= 1 {
				c.width = w
			}
		})
		return nil
	})
	c.observer = ro.New(c.onResize)
	c.observer.Call("observe", ctx.JSSrc())
}

// OnDismount stops measuring.
func (c *LineChart) OnDismount() {
	if c.observer != nil {
		c.observer.Call("disconnect")
		c.observer = nil
	}
	if c.onResize != nil {
		c.onResize.Release()
		c.onResize = nil
	}
}

// GroupByUnit splits series into groups of one unit each, in the order the
// units first appear, so each group can have a chart of its own.
func GroupByUnit(series []Series) [][]Series {
	var groups [][]Series
	at := map[string]int{}
	for _, s := range series {
		i, ok := at[s.Unit]
		if !ok {
			i = len(groups)
			at[s.Unit] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], s)
	}
	return groups
}

// chartTick is one labelled mark on an axis, at pos in SVG units.
type chartTick struct {
	Pos   float64
	Label string
}

// chartLine is one drawn series.
type chartLine struct {
	Name, Unit string
	Path       string // SVG path data; empty when no point is in view
	Points     int    // points drawn
	Current    string // the newest value with its unit; "" when none
}

// chartLayout is everything the chart draws, computed without a browser.
type chartLayout struct {
	Lines          []chartLine
	XTicks, YTicks []chartTick
	Unit           string
}

// layout places the series: time maps to x over [now-window, now], values
// to y over a rounded range that holds every point in view.
func (c *LineChart) layout() chartLayout {
	window := c.Window
	if window <= 0 {
		window = DefaultChartWindow
	}
	now := c.Now
	if now.IsZero() {
		for _, s := range c.Series {
			if p, ok := s.Last(); ok && p.T.After(now) {
				now = p.T
			}
		}
	}
	// Series younger than the window: the time axis spans what there is
	// (at least minChartWindow), not a sliver at the right edge.
	earliest := now
	for _, s := range c.Series {
		for _, p := range s.Points {
			if !p.T.Before(now.Add(-window)) && p.T.Before(earliest) {
				earliest = p.T
			}
		}
	}
	if span := now.Sub(earliest); span > 0 && span < window {
		window = max(span, minChartWindow)
	}
	start := now.Add(-window)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, p := range s.Points {
			if p.T.Before(start) || p.T.After(now) {
				continue
			}
			lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	step := niceStep(lo, hi, 4)
	lo = math.Floor(lo/step) * step
	hi = math.Ceil(hi/step) * step
	if hi == lo {
		hi = lo + step
	}
	w, h := c.size()
	plotW := w - chartLeft - chartRight
	plotH := h - chartTop - chartBottom
	x := func(t time.Time) float64 {
		return chartLeft + plotW*float64(t.Sub(start))/float64(window)
	}
	y := func(v float64) float64 { return chartTop + plotH*(hi-v)/(hi-lo) }

	var l chartLayout
	if len(c.Series) > 0 {
		l.Unit = c.Series[0].Unit
	}
	for v := lo; v <= hi+step/2; v += step {
		l.YTicks = append(l.YTicks, chartTick{Pos: y(v), Label: formatValue(v, step)})
	}
	tstep := niceDuration(window / 4)
	for t := now.Truncate(tstep); !t.Before(start); t = t.Add(-tstep) {
		l.XTicks = append([]chartTick{{Pos: x(t), Label: t.Local().Format(timeLayout(tstep))}}, l.XTicks...)
	}
	for _, s := range c.Series {
		line := chartLine{Name: s.Name, Unit: s.Unit}
		var b strings.Builder
		for _, p := range s.Points {
			if p.T.Before(start) || p.T.After(now) {
				continue
			}
			if line.Points == 0 {
				b.WriteByte('M')
			} else {
				b.WriteString(" L")
			}
			b.WriteString(strconv.FormatFloat(x(p.T), 'f', 1, 64))
			b.WriteByte(' ')
			b.WriteString(strconv.FormatFloat(y(p.V), 'f', 1, 64))
			line.Points++
		}
		line.Path = b.String()
		if p, ok := s.Last(); ok {
			line.Current = strings.TrimSpace(strconv.FormatFloat(math.Round(p.V*1e4)/1e4, 'f', -1, 64) + " " + s.Unit)
		}
		l.Lines = append(l.Lines, line)
	}
	return l
}

// niceStep returns a round step (1, 2 or 5 times a power of ten) that cuts
// [lo, hi] into about n parts.
func niceStep(lo, hi float64, n int) float64 {
	span := hi - lo
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		span = math.Max(math.Abs(hi), 1)
	}
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// niceDuration rounds d up to a step a clock reader expects.
func niceDuration(d time.Duration) time.Duration {
	for _, s := range []time.Duration{
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	} {
		if s >= d {
			return s
		}
	}
	return 24 * time.Hour
}

func timeLayout(step time.Duration) string {
	if step < time.Minute {
		return "15:04:05"
	}
	return "15:04"
}

// formatValue prints v with as many decimals as step needs.
func formatValue(v, step float64) string {
	decimals := 0
	if step > 0 && step < 1 {
		decimals = int(math.Ceil(-math.Log10(step)))
	}
	if decimals > 6 {
		decimals = 6
	}
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

const svgNS = "http://www.w3.org/2000/svg"

func svg(tag string) app.HTMLElem { return app.Elem(tag).XMLNS(svgNS) }

// Render draws the chart in a figure: the SVG (hidden from screen readers,
// which read the legend and the figure's label instead) and the legend.
func (c *LineChart) Render() app.UI {
	l := c.layout()
	w, h := c.size()
	var grid []app.UI
	for _, t := range l.YTicks {
		y := fmt.Sprintf("%.1f", t.Pos)
		grid = append(grid,
			svg("line").Class("chart-grid").Attr("x1", chartLeft).Attr("x2", w-chartRight).Attr("y1", y).Attr("y2", y),
			svg("text").Class("chart-axis").Attr("x", chartLeft-6).Attr("y", y).
				Attr("text-anchor", "end").Attr("dominant-baseline", "middle").Text(t.Label),
		)
	}
	for _, t := range l.XTicks {
		x, anchor := t.Pos, "middle"
		// A label centred on a tick near the right edge would be cut off
		// (about 7 px a character at 12 px): end it at the edge instead.
		if half := float64(len(t.Label)) * 3.6; x+half > float64(w) {
			x, anchor = float64(w)-2, "end"
		}
		grid = append(grid, svg("text").Class("chart-axis").
			Attr("x", fmt.Sprintf("%.1f", x)).Attr("y", h-8).Attr("text-anchor", anchor).Text(t.Label))
	}
	if l.Unit != "" {
		// Above the plot, from its left edge: a long unit is not cut off.
		grid = append(grid, svg("text").Class("chart-axis chart-unit").Attr("x", chartLeft).Attr("y", 4).
			Attr("text-anchor", "start").Attr("dominant-baseline", "hanging").Text(l.Unit))
	}
	var lines, legend []app.UI
	for i, line := range l.Lines {
		colour := fmt.Sprintf("chart-s%d", i%chartPalette)
		lines = append(lines, svg("path").Class("chart-line "+colour).
			Attr("d", line.Path).Attr("data-series", line.Name).Attr("data-points", line.Points))
		current := line.Current
		if current == "" {
			current = "no data yet"
		}
		legend = append(legend, app.Li().Class("chart-key").Body(
			app.Span().Class("chart-swatch "+colour).Aria("hidden", "true"),
			app.Span().Class("chart-name").Text(line.Name),
			app.Span().Class("chart-value").Text(current),
		))
	}
	return app.Figure().Class("chart").Aria("label", c.Label).Body(
		svg("svg").Class("chart-svg").Attr("viewBox", fmt.Sprintf("0 0 %g %g", w, h)).
			Aria("hidden", "true").Body(
			svg("g").Body(grid...),
			svg("g").Body(lines...),
		),
		app.If(len(legend) > 0, func() app.UI {
			return app.Ul().Class("chart-legend").Aria("label", c.Label+": current values").Body(legend...)
		}),
	)
}

package loadgen

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Result is what one workload measured against one target.
type Result struct {
	Workload string
	Target   Kind
	Metrics  []Metric
	// Notes are per-step lines and failures, for the report.
	Notes []string
	// Err says why the workload could not finish; Metrics holds what it
	// measured before.
	Err error
}

// Metric is one figure of a Result.
type Metric struct {
	Name  string
	Value float64
	// Unit is "%", "/s", "ms", "s", "MiB", "KiB" or "" (a count).
	Unit string
}

// Get returns the metric called name.
func (r *Result) Get(name string) (Metric, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

func (r *Result) add(name string, v float64, unit string) {
	r.Metrics = append(r.Metrics, Metric{Name: name, Value: v, Unit: unit})
}

func ratioOf(p *phase) float64 {
	exp := p.expected.Load()
	if exp == 0 {
		return 0
	}
	return float64(p.received.Load()) / float64(exp)
}

func (r *Result) addTraffic(p *phase, window time.Duration) {
	lat := p.lat.summary()
	r.add("messages sent", float64(p.sent.Load()), "")
	r.add("send errors", float64(p.sendErrors.Load()), "")
	r.add("delivery", 100*ratioOf(p), "%")
	r.add("deliveries/s", float64(p.received.Load())/window.Seconds(), "/s")
	r.add("latency p50", ms(lat.P50), "ms")
	r.add("latency p90", ms(lat.P90), "ms")
	r.add("latency p99", ms(lat.P99), "ms")
	r.add("latency max", ms(lat.Max), "ms")
}

func (r *Result) addUsage(u Usage) {
	if u.ServerRSSPeak > 0 {
		r.add("server CPU", u.ServerCPU, "%")
		r.add("server RSS peak", float64(u.ServerRSSPeak)/(1<<20), "MiB")
	}
	r.add("loadgen CPU", u.SelfCPU, "%")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// WriteTable writes, in Markdown, one row per metric of each workload with
// the Switchboard figure, the baseline's, and their ratio
// (Switchboard / baseline), followed by every result's notes and errors.
func WriteTable(w io.Writer, sb, base []Result) {
	fmt.Fprintln(w, "| Workload | Metric | Switchboard | Baseline | Ratio (SB/base) |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|")
	for _, s := range sb {
		var b *Result
		for i := range base {
			if base[i].Workload == s.Workload {
				b = &base[i]
			}
		}
		for _, m := range s.Metrics {
			bv, ratio := "—", "—"
			if b != nil {
				if bm, ok := b.Get(m.Name); ok {
					bv = format(bm)
					if bm.Value != 0 {
						ratio = fmt.Sprintf("%.2f×", m.Value/bm.Value)
					}
				}
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", s.Workload, m.Name, format(m), bv, ratio)
		}
	}
	var notes []string
	for _, rs := range [][]Result{sb, base} {
		for _, r := range rs {
			for _, n := range r.Notes {
				notes = append(notes, fmt.Sprintf("- %s %s: %s", r.Workload, r.Target, n))
			}
			if r.Err != nil {
				notes = append(notes, fmt.Sprintf("- %s %s: **error**: %v", r.Workload, r.Target, r.Err))
			}
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(notes, "\n"))
	}
}

func format(m Metric) string {
	v := m.Value
	var s string
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		s = fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 100:
		s = fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		s = fmt.Sprintf("%.1f", v)
	default:
		s = fmt.Sprintf("%.2f", v)
	}
	switch m.Unit {
	case "", "/s":
		return s
	case "%":
		if m.Name == "delivery" && v >= 99 && v < 100 {
			s = fmt.Sprintf("%.3f", v)
		}
		return s + "%"
	}
	return s + " " + m.Unit
}

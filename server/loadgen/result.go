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
	// Unit is "%", "/s", "ms", "s", "MiB", "KiB", "B" (bytes), "×" (a
	// ratio of two figures) or "" (a count).
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
	r.add("messages per frame", p.perFrame(), "")
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

// WriteTable writes, in Markdown, one row per metric of each workload:
// the Switchboard figure, then for each peer (one slice of results per
// peer, all of one Kind, in the order given) its figure and the ratio
// Switchboard / peer; then every result's notes and errors. A metric only
// a peer has gets a row too; a workload a peer did not run (W5, W2T) has
// empty cells in its columns.
func WriteTable(w io.Writer, sb []Result, peers ...[]Result) {
	var kinds []Kind
	var cols [][]Result
	for _, rs := range peers {
		if len(rs) > 0 {
			kinds, cols = append(kinds, rs[0].Target), append(cols, rs)
		}
	}
	head, rule := "| Workload | Metric | Switchboard |", "|---|---|---:|"
	for _, k := range kinds {
		head += fmt.Sprintf(" %s | SB/%s |", k.Title(), k)
		rule += "---:|---:|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for _, s := range sb {
		peer := make([]*Result, len(cols))
		for i, rs := range cols {
			for j := range rs {
				if rs[j].Workload == s.Workload {
					peer[i] = &rs[j]
				}
			}
		}
		for _, name := range metricNames(s, peer) {
			m, ok := s.Get(name)
			row := fmt.Sprintf("| %s | %s | %s |", Label(s.Workload), name, orDash(m, ok))
			for _, p := range peer {
				pv, ratio := "—", "—"
				if p != nil {
					if pm, found := p.Get(name); found {
						pv = format(pm)
						if ok && pm.Value != 0 {
							ratio = fmt.Sprintf("%.2f×", m.Value/pm.Value)
						}
					}
				}
				row += fmt.Sprintf(" %s | %s |", pv, ratio)
			}
			fmt.Fprintln(w, row)
		}
	}
	var notes []string
	for _, rs := range append([][]Result{sb}, cols...) {
		for _, r := range rs {
			for _, n := range r.Notes {
				notes = append(notes, fmt.Sprintf("- %s %s: %s", Label(r.Workload), r.Target, n))
			}
			if r.Err != nil {
				notes = append(notes, fmt.Sprintf("- %s %s: **error**: %v", Label(r.Workload), r.Target, r.Err))
			}
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(notes, "\n"))
	}
}

// metricNames lists the metrics of s, then those only a peer has.
func metricNames(s Result, peers []*Result) []string {
	var names []string
	seen := make(map[string]bool)
	for _, r := range append([]*Result{&s}, peers...) {
		if r == nil {
			continue
		}
		for _, m := range r.Metrics {
			if !seen[m.Name] {
				seen[m.Name] = true
				names = append(names, m.Name)
			}
		}
	}
	return names
}

func orDash(m Metric, ok bool) string {
	if !ok {
		return "—"
	}
	return format(m)
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
	case "×":
		return s + "×"
	case "%":
		if m.Name == "delivery" && v >= 99 && v < 100 {
			s = fmt.Sprintf("%.3f", v)
		}
		return s + "%"
	}
	return s + " " + m.Unit
}

package loadgen

import (
	"strings"
	"testing"
)

// The table has Switchboard's column, then each peer's figure and the
// ratio to it; a workload a peer did not run has empty cells, and a
// metric only a peer has still gets its row.
func TestWriteTable(t *testing.T) {
	sb := []Result{
		{Workload: "W2", Target: Switchboard, Metrics: []Metric{{"max sustainable deliveries/s", 100000, "/s"}, {"messages per frame at max", 2, ""}}},
		{Workload: "W2T", Target: Switchboard, Metrics: []Metric{{"max sustainable deliveries/s", 50000, "/s"}}},
	}
	base := []Result{
		{Workload: "W2", Target: Baseline, Metrics: []Metric{{"max sustainable deliveries/s", 200000, "/s"}, {"messages per frame at max", 1, ""}}},
		{Workload: "W2T", Target: Baseline},
	}
	gor := []Result{
		{Workload: "W2", Target: Gorilla, Metrics: []Metric{{"max sustainable deliveries/s", 1000000, "/s"}, {"messages per frame at max", 40, ""}, {"peer only", 3, ""}}},
		{Workload: "W2T", Target: Gorilla},
	}
	var b strings.Builder
	WriteTable(&b, sb, base, nil, gor)
	want := `| Workload | Metric | Switchboard | Baseline | SB/baseline | gorilla | SB/gorilla |
|---|---|---:|---:|---:|---:|---:|
| W2 | max sustainable deliveries/s | 100000 | 200000 | 0.50× | 1000000 | 0.10× |
| W2 | messages per frame at max | 2 | 1 | 2.00× | 40 | 0.05× |
| W2 | peer only | — | — | — | 3 | — |
| W2 /text | max sustainable deliveries/s | 50000 | — | — | — | — |
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

package adminapi

import (
	"math"
	"testing"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

func TestHistogramQuantileAndSince(t *testing.T) {
	bounds := []float64{0.01, 0.1, 1}
	before := Histogram{Bounds: bounds, Counts: []uint64{10, 10, 10}, Count: 10, Sum: 0.05}
	after := Histogram{Bounds: bounds, Counts: []uint64{10, 60, 110}, Count: 110, Sum: 50}
	d := after.Since(before)
	if d.Count != 100 || d.Counts[0] != 0 || d.Counts[1] != 50 || d.Counts[2] != 100 {
		t.Fatalf("Since = %+v", d)
	}
	// Half of the new observations lie in (0.01, 0.1]: the median is its top.
	if v, ok := d.Quantile(0.5); !ok || math.Abs(v-0.1) > 1e-9 {
		t.Errorf("p50 = %v, %v; want 0.1", v, ok)
	}
	// The 99th lies in (0.1, 1], 49/50 of the way up.
	if v, _ := d.Quantile(0.99); math.Abs(v-(0.1+0.9*49.0/50)) > 1e-9 {
		t.Errorf("p99 = %v", v)
	}
	if _, ok := (Histogram{}).Quantile(0.5); ok {
		t.Error("an empty histogram has a quantile")
	}
	sum := before.Add(after)
	if sum.Count != 120 || sum.Counts[2] != 120 {
		t.Errorf("Add = %+v", sum)
	}
	// A reset (node restarted) counts from zero instead of wrapping.
	if r := before.Since(after); r.Count != 0 || r.Counts[2] != 0 {
		t.Errorf("Since after a reset = %+v", r)
	}
}

func TestActionValidate(t *testing.T) {
	for _, row := range []struct {
		suffix string
		a      Action
		want   protocol.ErrorCode // "" = valid
	}{
		{SuffixNote, Action{Text: "maintenance at 18:00"}, ""},
		{SuffixNote, Action{}, protocol.CodeInvalidText},
		{SuffixNote, Action{Text: "x", User: "u"}, protocol.CodeBadRequest},
		{SuffixKick, Action{User: "u1", Text: "spam"}, ""},
		{SuffixKick, Action{User: "u 1"}, protocol.CodeBadRequest},
		{SuffixKick, Action{}, protocol.CodeBadRequest},
		{SuffixShut, Action{}, ""},
		{SuffixShut, Action{User: "u1"}, protocol.CodeBadRequest},
		{SuffixShut, Action{Text: "bad\x00text"}, protocol.CodeInvalidText},
		{"/explode", Action{}, protocol.CodeUnknownType},
	} {
		err := row.a.Validate(row.suffix)
		switch {
		case row.want == "" && err != nil:
			t.Errorf("%s %+v: %v", row.suffix, row.a, err)
		case row.want != "" && (err == nil || err.Code != row.want):
			t.Errorf("%s %+v: %v, want %s", row.suffix, row.a, err, row.want)
		}
	}
}

func TestStatsTotal(t *testing.T) {
	s := Stats{Nodes: []NodeStats{
		{Node: "a", Connections: 2, MessagesDelivered: 5, NATSConnected: true},
		{Node: "b", Connections: 3, MessagesDelivered: 7, NATSConnected: false},
	}}
	tot := s.Total()
	if tot.Connections != 5 || tot.MessagesDelivered != 12 || tot.NATSConnected {
		t.Fatalf("Total = %+v", tot)
	}
}

package main

import (
	"slices"
	"testing"

	"github.com/switchboard-rt/switchboard/server/loadgen"
)

func TestParseSteps(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
	}{
		{"10000,50000", []int{10000, 50000}},
		{" 5000 ", []int{5000}},
		{"10000, 20000,50000", []int{10000, 20000, 50000}},
		{"", nil},
		{"10000,10000", nil},
		{"50000,10000", nil},
		{"0", nil},
		{"1e4", nil},
	} {
		got, err := parseSteps(c.in)
		if c.want == nil {
			if err == nil {
				t.Errorf("parseSteps(%q) = %v, want an error", c.in, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("parseSteps(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestParsePeers(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []loadgen.Kind
		ok   bool
	}{
		{"baseline,gorilla", []loadgen.Kind{loadgen.Baseline, loadgen.Gorilla}, true},
		{" Gorilla ", []loadgen.Kind{loadgen.Gorilla}, true},
		{"gorilla,baseline", []loadgen.Kind{loadgen.Gorilla, loadgen.Baseline}, true},
		{"", nil, true},
		{"switchboard", nil, false},
		{"gorilla,gorilla", nil, false},
		{"nginx", nil, false},
	} {
		got, err := parsePeers(c.in)
		if (err == nil) != c.ok || (c.ok && !slices.Equal(got, c.want)) {
			t.Errorf("parsePeers(%q) = %v, %v; want %v (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
}

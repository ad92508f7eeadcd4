package dev

import (
	"errors"
	"strings"
	"testing"
)

func TestHugePages(t *testing.T) {
	for in, want := range map[string]string{
		"always [madvise] never\n": "madvise",
		"[always] madvise never\n": "always",
		"always madvise [never]\n": "never",
		"garbage\n":                "",
	} {
		if got := parseHugePages([]byte(in), nil); got != want {
			t.Errorf("parseHugePages(%q) = %q, want %q", in, got, want)
		}
	}
	if got := parseHugePages(nil, errors.New("no such file")); got != "" {
		t.Errorf("without the file: %q, want none", got)
	}
	for mode, tip := range map[string]bool{"madvise": true, "never": true, "always": false, "": false} {
		if got := hugePagesTip(mode); (got != "") != tip || (tip && !strings.Contains(got, hugePagesPath)) {
			t.Errorf("hugePagesTip(%q) = %q", mode, got)
		}
	}
}

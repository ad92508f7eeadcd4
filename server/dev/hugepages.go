package dev

import (
	"os"
	"strings"
)

// hugePagesPath is where Linux says whether it backs processes' memory
// with transparent huge pages: "always", or only where a process asks
// ("madvise"), or "never".
const hugePagesPath = "/sys/kernel/mm/transparent_hugepage/enabled"

// HugePages returns the kernel's transparent huge page mode, or "" where
// there is none to read (not Linux).
//
// It matters to make dev: the Go compiler and linker never ask for huge
// pages, so under "madvise" (Debian's default) or "never" every build
// touches its memory 4 KiB at a time. On the 2-core VM make dev-bench runs
// on, a UI edit's app.wasm build took 60,000 page faults and 1.75 s under
// "madvise", 6,600 and 1.25 s under "always".
func HugePages() string { return parseHugePages(os.ReadFile(hugePagesPath)) }

// parseHugePages reads the selected mode, in brackets ("always [madvise]
// never").
func parseHugePages(b []byte, err error) string {
	if err != nil {
		return ""
	}
	s := string(b)
	i, j := strings.IndexByte(s, '['), strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return ""
	}
	return s[i+1 : j]
}

// hugePagesTip is what the loop tells a developer whose kernel leaves the
// builds without huge pages, or "".
func hugePagesTip(mode string) string {
	if mode != "madvise" && mode != "never" {
		return ""
	}
	return "transparent huge pages are \"" + mode + "\": Go's compiler and linker do not ask for them, " +
		"and on a VM page faults are dear; `echo always | sudo tee " + hugePagesPath + "` made " +
		"make dev's builds about 30% faster on a 2-core VM (README, Development mode)"
}

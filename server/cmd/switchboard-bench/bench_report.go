package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// writeGoBench turns the `go test -bench -benchmem` output in path into a
// Markdown table: one row per benchmark, ns/op, B/op, allocs/op and any
// custom metrics.
func writeGoBench(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintln(w, "## Go benchmarks (hot path, `-benchmem`)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Package | Benchmark | ns/op | B/op | allocs/op | Other |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---|")
	pkg := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = p[strings.LastIndex(p, "/")+1:]
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		vals := map[string]string{}
		var other []string
		for i := 2; i+1 < len(fields); i += 2 {
			switch unit := fields[i+1]; unit {
			case "ns/op", "B/op", "allocs/op":
				vals[unit] = fields[i]
			default:
				other = append(other, fields[i]+" "+unit)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", pkg, fields[0], vals["ns/op"], vals["B/op"], vals["allocs/op"], strings.Join(other, ", "))
	}
	fmt.Fprintln(w)
	return sc.Err()
}

// writeWasmSizes reports the browser app's bytes on the wire, if built.
func writeWasmSizes(w io.Writer, dir string) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Browser app on the wire")
	fmt.Fprintln(w)
	for _, name := range []string{"app.wasm", "app.wasm.br", "app.wasm.gz"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			fmt.Fprintf(w, "- %s: not built (`make build`)\n", name)
			continue
		}
		fmt.Fprintf(w, "- %s: %d bytes (%.2f MiB)\n", name, st.Size(), float64(st.Size())/(1<<20))
	}
}

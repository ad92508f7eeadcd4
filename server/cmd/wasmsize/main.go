// Command wasmsize tells what each Go package contributes to a WebAssembly
// module built by Go: the bytes of its functions' code, from the module's
// code section, named through its "name" section. Build the module without
// -ldflags='-s -w' (they drop the names), for example with `make wasm-size`.
// The data section (strings, tables, type data) is one line of its own.
//
//	wasmsize [-top N] bin/wasm-size/app.wasm
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wasmsize:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("wasmsize", flag.ContinueOnError)
	top := fs.Int("top", 30, "how many packages to list (the rest are summed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: wasmsize [-top N] module.wasm")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	m, err := parse(data)
	if err != nil {
		return err
	}
	if len(m.names) == 0 {
		return errors.New("the module has no function names (built with -ldflags='-s -w'?)")
	}
	sizes := map[string]int{}
	for i, size := range m.codeSizes {
		pkg := packageOf(m.names[m.importedFuncs+i])
		sizes[pkg] += size
	}
	type row struct {
		pkg  string
		size int
	}
	var rows []row
	code := 0
	for p, s := range sizes {
		rows = append(rows, row{p, s})
		code += s
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].size > rows[j].size })
	total := len(data)
	fmt.Fprintf(out, "%s: %d bytes; code %d (%.0f%%), data %d (%.0f%%), other %d\n\n",
		fs.Arg(0), total, code, pct(code, total), m.dataSize, pct(m.dataSize, total), total-code-m.dataSize)
	fmt.Fprintf(out, "| package | code bytes | share of the module |\n|---|---:|---:|\n")
	rest := 0
	for i, r := range rows {
		if i >= *top {
			rest += r.size
			continue
		}
		fmt.Fprintf(out, "| %s | %d | %.1f%% |\n", r.pkg, r.size, pct(r.size, total))
	}
	if rest > 0 {
		fmt.Fprintf(out, "| %d other packages | %d | %.1f%% |\n", len(rows)-*top, rest, pct(rest, total))
	}
	return nil
}

func pct(n, of int) float64 { return 100 * float64(n) / float64(of) }

// packageOf returns the package part of a function's name in the module.
// Go's wasm linker writes import paths with '/' (and '-') as '_':
// "github.com_a_b.__T_.M" is a method of package github.com/a/b,
// "runtime.mallocgc" a function of runtime. The package is what comes
// before the first '.' that does not end a host name. Names that are not
// Go symbols are kept whole.
func packageOf(name string) string {
	start := 0
	if loc := hostPrefix.FindStringIndex(name); loc != nil {
		start = loc[1]
	}
	dot := strings.IndexByte(name[start:], '.')
	if dot < 0 {
		return name
	}
	return name[:start+dot]
}

// hostPrefix matches the host name that starts a module path
// ("github.com_", "golang.org_").
var hostPrefix = regexp.MustCompile(`^[a-z0-9-]+\.[a-z]{2,}_`)

// module is what wasmsize reads of a module.
type module struct {
	importedFuncs int            // imported functions come first in the index space
	codeSizes     []int          // the size of each defined function's body
	names         map[int]string // function index → name
	dataSize      int
}

// parse reads the sections of a WebAssembly binary module (the core
// specification's binary format, section 5).
func parse(b []byte) (*module, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, errors.New("not a WebAssembly module")
	}
	m := &module{names: map[int]string{}}
	r := &reader{b: b, off: 8}
	for r.off < len(b) {
		id := r.byte()
		size := int(r.uleb())
		end := r.off + size
		if r.err != nil || end > len(b) {
			return nil, errors.New("truncated section")
		}
		sec := &reader{b: b[:end], off: r.off}
		switch id {
		case 2: // imports
			for n := sec.uleb(); n > 0 && sec.err == nil; n-- {
				sec.name()
				sec.name()
				switch kind := sec.byte(); kind {
				case 0: // function: a type index
					sec.uleb()
					m.importedFuncs++
				case 1: // table: reftype, limits
					sec.byte()
					sec.limits()
				case 2: // memory: limits
					sec.limits()
				case 3: // global: valtype, mutability
					sec.byte()
					sec.byte()
				default:
					return nil, fmt.Errorf("import kind %d", kind)
				}
			}
		case 10: // code
			for n := sec.uleb(); n > 0 && sec.err == nil; n-- {
				body := int(sec.uleb())
				m.codeSizes = append(m.codeSizes, body)
				sec.off += body
			}
		case 11: // data
			m.dataSize += size
		case 0: // custom
			if sec.name() == "name" {
				for sec.off < end && sec.err == nil {
					sub := sec.byte()
					subEnd := sec.off + int(sec.uleb())
					if sub == 1 { // function names
						for n := sec.uleb(); n > 0 && sec.err == nil; n-- {
							idx := int(sec.uleb())
							m.names[idx] = sec.name()
						}
					}
					sec.off = subEnd
				}
			}
		}
		if sec.err != nil {
			return nil, fmt.Errorf("section %d: %w", id, sec.err)
		}
		r.off = end
	}
	return m, r.err
}

// reader reads the binary format's primitives; the first error sticks.
type reader struct {
	b   []byte
	off int
	err error
}

var errShort = errors.New("unexpected end of section")

func (r *reader) byte() byte {
	if r.off >= len(r.b) {
		r.err = errShort
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := 0; shift < 64 && r.err == nil; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	return v
}

func (r *reader) name() string {
	n := int(r.uleb())
	if r.err != nil || r.off+n > len(r.b) {
		r.err = errShort
		return ""
	}
	s := string(r.b[r.off : r.off+n])
	r.off += n
	return s
}

func (r *reader) limits() {
	if r.byte() == 1 {
		r.uleb()
	}
	r.uleb()
}

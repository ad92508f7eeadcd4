package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPackageOf(t *testing.T) {
	for name, want := range map[string]string{
		"runtime.mallocgc":                    "runtime",
		"runtime.__sysMemStat_.add":           "runtime",
		"crypto_internal_sysrand.fatal":       "crypto_internal_sysrand",
		"syscall.init.OnceFunc.func2.1":       "syscall",
		"github.com_a_b_c.__T_.Observe_fm":    "github.com_a_b_c",
		"golang.org_x_text_unicode_norm.iter": "golang.org_x_text_unicode_norm",
		"go_buildid":                          "go_buildid",
	} {
		if got := packageOf(name); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// tinyModule builds a small module by hand: one imported function, two defined
// ones (bodies of 3 and 5 bytes), a data section, and their names.
func tinyModule() []byte {
	str := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	section := func(id byte, body []byte) []byte { return append([]byte{id, byte(len(body))}, body...) }
	var imports []byte
	imports = append(imports, 1)
	imports = append(imports, str("go")...)
	imports = append(imports, str("debug")...)
	imports = append(imports, 0, 0) // a function of type 0
	code := []byte{2, 3, 0, 0, 0x0b, 5, 0, 0, 0, 0, 0x0b}
	data := []byte{1, 0, 0x41, 0, 0x0b, 4, 'a', 'b', 'c', 'd'}
	var names []byte
	names = append(names, 3)
	for i, n := range []string{"go.debug", "runtime.f", "github.com_a_b.__T_.g"} {
		names = append(names, byte(i))
		names = append(names, str(n)...)
	}
	custom := append(str("name"), append([]byte{1, byte(len(names))}, names...)...)
	m := []byte("\x00asm\x01\x00\x00\x00")
	m = append(m, section(2, imports)...)
	m = append(m, section(10, code)...)
	m = append(m, section(11, data)...)
	m = append(m, section(0, custom)...)
	return m
}

func TestRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.wasm")
	if err := os.WriteFile(path, tinyModule(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{path}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"code 8 ", "data 10 ", "| github.com_a_b | 5 |", "| runtime | 3 |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := os.WriteFile(path, []byte("not wasm"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{path}, &out); err == nil {
		t.Error("a file that is not a module gave no error")
	}
}

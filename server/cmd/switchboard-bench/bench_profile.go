package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// profiler saves pprof profiles of a `bench node --pprof` process under
// load: a CPU profile of each W2 step as it runs (each replacing the last,
// so the file ends up holding the highest rate reached: the step that
// failed, where the server is the bottleneck), and the allocation profile
// once the workload is over. Its goroutines end by themselves; wait waits
// for them.
type profiler struct {
	base   string // http://host:port of the server
	dir    string
	prefix string // file names start with it, e.g. "W2-switchboard"

	wg    sync.WaitGroup
	errMu sync.Mutex
	err   error // the first failure
	cpuMu sync.Mutex
	cpu   string // the latest CPU profile saved, and its step
	step  string
}

// onStep starts a CPU profile of d (whole seconds, at least one) of the
// step at rate; it is loadgen.Config.OnW2Step.
func (p *profiler) onStep(rate float64, d time.Duration) {
	secs := max(1, int(d.Seconds()))
	p.wg.Go(func() {
		tmp := filepath.Join(p.dir, p.prefix+"-cpu.pprof.part")
		if err := p.fetch(fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), tmp, time.Duration(secs)*time.Second+30*time.Second); err != nil {
			p.fail(err)
			return
		}
		p.cpuMu.Lock()
		defer p.cpuMu.Unlock()
		final := filepath.Join(p.dir, p.prefix+"-cpu.pprof")
		if err := os.Rename(tmp, final); err != nil {
			p.fail(err)
			return
		}
		p.cpu, p.step = final, fmt.Sprintf("%g msg/s", rate)
	})
}

// finish waits for the CPU profiles and saves the allocation profile
// (every allocation since the server started). It returns the files saved,
// described, and the first error.
func (p *profiler) finish() ([]string, error) {
	p.wg.Wait()
	var saved []string
	p.cpuMu.Lock()
	if p.cpu != "" {
		saved = append(saved, fmt.Sprintf("CPU (W2 step at %s): %s", p.step, p.cpu))
	}
	p.cpuMu.Unlock()
	allocs := filepath.Join(p.dir, p.prefix+"-allocs.pprof")
	if err := p.fetch("/debug/pprof/allocs", allocs, 30*time.Second); err != nil {
		p.fail(err)
	} else {
		saved = append(saved, "allocations (whole W2): "+allocs)
	}
	p.errMu.Lock()
	defer p.errMu.Unlock()
	return saved, p.err
}

func (p *profiler) fail(err error) {
	p.errMu.Lock()
	defer p.errMu.Unlock()
	if p.err == nil {
		p.err = err
	}
}

// fetch saves the answer to GET base+path in file.
func (p *profiler) fetch(path, file string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s", path, resp.Status)
	}
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, resp.Body); err != nil {
		out.Close()
		return fmt.Errorf("profile %s: %w", path, err)
	}
	return out.Close()
}

package loadgen

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"time"
)

// w3Parallel is how many connections W3 opens at once.
const w3Parallel = 200

// fdMargin is how many file descriptors a process needs besides one per
// connection (listeners, logs, pipes, the server's storage).
const fdMargin = 1000

// runW3: idle connections held in steps (cfg.W3Steps are totals; each step
// opens what it adds to the last), dialing from loopback source addresses
// spread over 127.0.0.2, 127.0.0.3, … Switchboard's are idle after
// hello/welcome, in no room; the peers' are in one room. At each step
// the server's memory per connection is its settled RSS less its RSS
// before the first step, over the connections open.
func runW3(ctx context.Context, t Target, cfg Config, r *Result) error {
	// Return what earlier workloads left, so that the load generator's RSS
	// at each step is this workload's.
	debug.FreeOSMemory()
	before, err := settledRSS(t.PID)
	if err != nil && t.PID > 0 {
		return err
	}
	if t.Kind == Switchboard {
		r.Notes = append(r.Notes, "idle = after hello/welcome, in no room (the peers' are in one room: their only way to connect)")
	}
	if t.PID > 0 {
		r.add("server RSS idle", float64(before)/(1<<20), "MiB")
	}
	room := ""
	if t.Kind.raw() {
		room = "idle"
	}
	src := newSourceAddrs(t.URL, cfg.W3PerSource)
	var members []member
	defer func() { closeAll(members) }()
	next, prevStep := 0, 0 // next connection's index; the last step's total
	for _, total := range cfg.W3Steps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if total <= prevStep {
			r.Notes = append(r.Notes, fmt.Sprintf("step %s skipped: steps must grow", thousands(total)))
			continue
		}
		if why := fdShortage(t.PID, total); why != "" {
			if cfg.FileLimitNote != "" {
				why += " (" + cfg.FileLimitNote + ")"
			}
			r.Notes = append(r.Notes, fmt.Sprintf("step %s skipped: %s", thousands(total), why))
			fmt.Fprintf(cfg.Log, "  %s W3: step %s skipped: %s\n", t.Kind, thousands(total), why)
			break
		}
		add := total - prevStep
		label := thousands(total) + " conns: "
		m := startMeter(t.PID)
		start := time.Now()
		opened, failed, firstErr := openIdle(ctx, t, src, room, next, total-len(members))
		took := time.Since(start)
		u := m.stop()
		next += total - len(members)
		members = append(members, opened...)
		fmt.Fprintf(cfg.Log, "  %s W3: %d idle connections (%d more in %v, %d failed)\n",
			t.Kind, len(members), len(opened), took.Round(time.Millisecond), failed)
		r.add(label+"connections", float64(len(members)), "")
		r.add(label+"failures", float64(failed), "")
		if prevStep == 0 {
			r.add(label+"time to open", took.Seconds(), "s")
		} else {
			r.add(label+"time to open "+thousands(add)+" more", took.Seconds(), "s")
		}
		prevStep = total
		if t.PID > 0 {
			after, err := settledRSS(t.PID)
			if err != nil {
				return err
			}
			r.add(label+"server RSS", float64(after)/(1<<20), "MiB")
			if len(members) > 0 {
				r.add(label+"server memory per conn", float64(after-before)/float64(len(members))/1024, "KiB")
			}
			r.add(label+"server CPU while opening", u.ServerCPU, "%")
		}
		r.add(label+"loadgen CPU while opening", u.SelfCPU, "%")
		if self, err := readProc(0); err == nil {
			r.add(label+"loadgen RSS", float64(self.rss)/(1<<20), "MiB")
		}
		if failed > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("step %s: %d failed; first: %v", thousands(total), failed, firstErr))
			if failed*100 > add {
				r.Notes = append(r.Notes, fmt.Sprintf("steps after %s not run: over 1%% of its connections failed", thousands(total)))
				break
			}
		}
	}
	if src != nil && next > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("source addresses %s, %s connections each", src.span(next), thousands(src.perAddr)))
	}
	return nil
}

// openIdle opens n idle connections numbered from first, w3Parallel at a
// time, each from src's address for its number (peers: into room). It
// returns those that opened, how many failed, and the first error.
func openIdle(ctx context.Context, t Target, src *sourceAddrs, room string, first, n int) ([]member, int, error) {
	members := make([]member, n)
	errs := make([]error, n)
	sem := make(chan struct{}, w3Parallel)
	var wg sync.WaitGroup
	for j := range n {
		if ctx.Err() != nil {
			errs[j] = ctx.Err()
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			i := first + j
			hc, err := src.client(i)
			if err != nil {
				errs[j] = err
				return
			}
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			m, err := dial(dctx, t, dialOptions{name: "w3u" + strconv.Itoa(i), room: room, buffer: 4, httpClient: hc})
			if err != nil {
				errs[j] = err
				return
			}
			members[j] = m
		})
	}
	wg.Wait()
	var ok []member
	var firstErr error
	failed := 0
	for j, m := range members {
		if m != nil {
			ok = append(ok, m)
			continue
		}
		failed++
		if firstErr == nil {
			firstErr = errs[j]
		}
	}
	return ok, failed, firstErr
}

// fdShortage says why this process or the server pid (if > 0) cannot hold
// total connections for want of file descriptors, or "" if both can (or
// their limits cannot be read: then the step tries).
func fdShortage(pid, total int) string {
	need := uint64(total + fdMargin)
	check := func(who string, pid int) string {
		if limit, err := fileLimit(pid); err == nil && limit < need {
			return fmt.Sprintf("%s's open-files limit is %d, under the %d this step needs", who, limit, need)
		}
		return ""
	}
	if why := check("the load generator", 0); why != "" || pid <= 0 {
		return why
	}
	return check("the server", pid)
}

// thousands formats n (>= 0) with commas: 50000 is "50,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// settledRSS reads pid's RSS once it has stopped changing by more than 1%
// between readings 500 ms apart (at most 5 s).
func settledRSS(pid int) (int64, error) {
	if pid <= 0 {
		return 0, nil
	}
	prev, err := readProc(pid)
	if err != nil {
		return 0, err
	}
	for range 10 {
		time.Sleep(500 * time.Millisecond)
		cur, err := readProc(pid)
		if err != nil {
			return 0, err
		}
		diff := cur.rss - prev.rss
		if diff < 0 {
			diff = -diff
		}
		prev = cur
		if diff*100 <= cur.rss {
			break
		}
	}
	return prev.rss, nil
}

package loadgen

import (
	"github.com/switchboard-rt/switchboard/server/internal/rlimit"

	"bytes"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
// It is 100 on every Linux architecture Go supports.
const clockTicks = 100

// procSample is one reading of a process's counters.
type procSample struct {
	at  time.Time
	cpu time.Duration // user + system
	rss int64         // bytes
}

// readProc reads pid's CPU time and resident set size from /proc. pid 0
// means this process.
func readProc(pid int) (procSample, error) {
	dir := "/proc/self"
	if pid > 0 {
		dir = "/proc/" + strconv.Itoa(pid)
	}
	s := procSample{at: time.Now()}
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return s, err
	}
	// The command name (field 2) may hold spaces; fields after it are
	// plain, starting with field 3 (state).
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("%s/stat: no command name", dir)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 22 {
		return s, fmt.Errorf("%s/stat: %d fields", dir, len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	rss, err3 := strconv.ParseInt(f[21], 10, 64)   // field 24, pages
	if err1 != nil || err2 != nil || err3 != nil {
		return s, fmt.Errorf("%s/stat: bad numbers", dir)
	}
	s.cpu = time.Duration(utime+stime) * time.Second / clockTicks
	s.rss = rss * int64(syscall.Getpagesize())
	return s, nil
}

// Usage is what the server process and the load generator used during a
// measured window.
type Usage struct {
	// ServerCPU and SelfCPU are in percent of one core (200 = two cores busy).
	ServerCPU, SelfCPU float64
	// ServerRSSPeak and ServerRSSEnd are in bytes; zero without a server pid.
	ServerRSSPeak, ServerRSSEnd int64
}

// meter samples a server process (and this one) from /proc while a
// workload runs: CPU from the first to the last reading, RSS peak from
// readings every 200 ms. Start it with startMeter, end it with stop.
type meter struct {
	pid        int
	start      procSample
	self       procSample
	stopOnce   sync.Once
	done       chan struct{}
	wg         sync.WaitGroup
	peakMu     sync.Mutex
	peak       int64
	serverSeen bool
}

func startMeter(pid int) *meter {
	m := &meter{pid: pid, done: make(chan struct{})}
	m.self, _ = readProc(0)
	if pid > 0 {
		if s, err := readProc(pid); err == nil {
			m.start, m.peak, m.serverSeen = s, s.rss, true
		}
	}
	if m.serverSeen {
		m.wg.Go(m.sample)
	}
	return m
}

func (m *meter) sample() {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-m.done:
			return
		case <-t.C:
			if s, err := readProc(m.pid); err == nil {
				m.notePeak(s.rss)
			}
		}
	}
}

func (m *meter) notePeak(rss int64) {
	m.peakMu.Lock()
	defer m.peakMu.Unlock()
	m.peak = max(m.peak, rss)
}

// stop ends sampling and returns the usage since startMeter.
func (m *meter) stop() Usage {
	m.stopOnce.Do(func() { close(m.done) })
	m.wg.Wait()
	var u Usage
	if self, err := readProc(0); err == nil {
		u.SelfCPU = percent(self.cpu-m.self.cpu, self.at.Sub(m.self.at))
	}
	if !m.serverSeen {
		return u
	}
	if s, err := readProc(m.pid); err == nil {
		m.notePeak(s.rss)
		u.ServerCPU = percent(s.cpu-m.start.cpu, s.at.Sub(m.start.at))
		u.ServerRSSEnd = s.rss
	}
	m.peakMu.Lock()
	u.ServerRSSPeak = m.peak
	m.peakMu.Unlock()
	return u
}

func percent(cpu, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return 100 * cpu.Seconds() / wall.Seconds()
}

// RaiseFileLimit raises this process's open-files limit: see rlimit.Raise.
func RaiseFileLimit(want uint64) (uint64, error) { return rlimit.Raise(want) }

// fileLimit is pid's open-files soft limit (pid 0: this process's).
func fileLimit(pid int) (uint64, error) {
	if pid <= 0 {
		var l syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, err
		}
		return l.Cur, nil
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/limits")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				if f[0] == "unlimited" {
					return math.MaxUint64, nil
				}
				return strconv.ParseUint(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/limits: no open-files line", pid)
}

// settle waits until pid has been nearly idle (under a quarter of a core)
// for 500 ms, at most 15 s: after a workload's setup (joins, presence) the
// server should not still be working through it when measuring starts.
func settle(pid int) {
	if pid <= 0 {
		return
	}
	prev, err := readProc(pid)
	if err != nil {
		return
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		cur, err := readProc(pid)
		if err != nil {
			return
		}
		busy := percent(cur.cpu-prev.cpu, cur.at.Sub(prev.at))
		prev = cur
		if busy < 25 {
			return
		}
	}
}

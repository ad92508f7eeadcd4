package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/switchboard-rt/switchboard/server/loadgen"
)

const benchUsage = `usage: switchboard bench [flags]

Runs the load workloads (W1 2,000 clients in 20 rooms at 20 msg/s per room;
W2 one room of 1,000 with the rate stepped up; W3 10,000 idle connections;
W4 5,000 connections within 10 s) against Switchboard and, with --baseline,
against the bare broadcaster, and prints one Markdown table. Without
--target each workload gets a fresh server process (this binary running
"bench node", no web app) so its CPU and RSS come from /proc.

flags:
`

// benchFlags are the settings of `switchboard bench`.
type benchFlags struct {
	target, workloads, baselineBin, out, goBench, webDir, logDir string
	targetPID                                                    int
	baseline                                                     bool
	cfg                                                          loadgen.Config
}

func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "node" {
		return benchNode(ctx, args[1:], getenv, stdout, stderr)
	}
	f := &benchFlags{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	fs.StringVar(&f.target, "target", "", "ws:// URL of a running Switchboard /ws endpoint (default: start one per workload)")
	fs.IntVar(&f.targetPID, "target-pid", 0, "process id of --target, for its CPU and RSS (default: not measured)")
	fs.StringVar(&f.workloads, "workloads", strings.Join(loadgen.Workloads, ","), "workloads to run, comma-separated")
	fs.BoolVar(&f.baseline, "baseline", false, "also run every workload against the bare broadcaster (bench/baseline beside this binary)")
	fs.StringVar(&f.baselineBin, "baseline-bin", "", "the baseline broadcaster binary (default: bench/baseline beside this binary)")
	fs.DurationVar(&f.cfg.Duration, "duration", 10*time.Second, "W1 send window and length of each W2 step")
	fs.IntVar(&f.cfg.W3Conns, "w3-conns", 10000, "W3 idle connections")
	fs.IntVar(&f.cfg.W4Conns, "w4-conns", 5000, "W4 connections opened within 10 s")
	fs.StringVar(&f.out, "out", "", "also write the report to this file")
	fs.StringVar(&f.goBench, "go-bench", "", "file holding go test -bench output to include in the report")
	fs.StringVar(&f.webDir, "web-dir", "", "folder with app.wasm(.br,.gz) whose sizes to include (default: none)")
	fs.StringVar(&f.logDir, "log-dir", "", "folder for the started servers' logs (default: a temp folder, removed)")
	if err := parse(fs, args, getenv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	limit, err := loadgen.RaiseFileLimit() // servers started below inherit it
	if err != nil {
		return fmt.Errorf("raise the open-files limit: %w", err)
	}
	f.cfg.Log = stderr
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if f.baselineBin == "" {
		f.baselineBin = filepath.Join(filepath.Dir(exe), "bench", "baseline")
	}
	if f.baseline {
		if _, err := os.Stat(f.baselineBin); err != nil {
			return fmt.Errorf("baseline broadcaster: %w (build it: go build -o %s ./server/bench/baseline)", err, f.baselineBin)
		}
	}
	tmp, err := os.MkdirTemp("", "switchboard-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if f.logDir == "" {
		f.logDir = tmp
	} else if err := os.MkdirAll(f.logDir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(stderr, ">> bench: open-files limit %d, %d CPUs, logs in %s\n", limit, runtime.NumCPU(), f.logDir)

	var sb, base []loadgen.Result
	start := time.Now()
	loadBefore := loadAvg()
	for _, w := range strings.Split(f.workloads, ",") {
		w = strings.ToUpper(strings.TrimSpace(w))
		if w == "" {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(stderr, ">> %s against switchboard\n", w)
		sb = append(sb, runOne(ctx, f, w, loadgen.Switchboard, exe, tmp))
		if f.baseline {
			fmt.Fprintf(stderr, ">> %s against the baseline\n", w)
			base = append(base, runOne(ctx, f, w, loadgen.Baseline, exe, tmp))
		}
	}

	var rep strings.Builder
	fmt.Fprintf(&rep, "# Switchboard bench, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&rep, "%d CPUs, %s; load generator and server on the same host (loopback); load part took %v; "+
		"load average (1 min) %s before, %s after (anything else running on the host skews the figures).\n\n",
		runtime.NumCPU(), runtime.Version(), time.Since(start).Round(time.Second), loadBefore, loadAvg())
	if f.goBench != "" {
		if err := writeGoBench(&rep, f.goBench); err != nil {
			fmt.Fprintf(&rep, "Go benchmarks: %v\n\n", err)
		}
	}
	fmt.Fprintf(&rep, "## Load (`switchboard bench`, %v per window)\n\n", f.cfg.Duration)
	loadgen.WriteTable(&rep, sb, base)
	if f.webDir != "" {
		writeWasmSizes(&rep, f.webDir)
	}
	fmt.Fprint(stdout, "\n"+rep.String())
	if f.out != "" {
		if err := os.MkdirAll(filepath.Dir(f.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f.out, []byte(rep.String()), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stderr, ">> report written to %s\n", f.out)
	}
	return ctx.Err()
}

// loadAvg is the host's 1-minute load average, as /proc/loadavg has it.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// runOne runs workload w against a fresh server of kind k (or --target).
func runOne(ctx context.Context, f *benchFlags, w string, k loadgen.Kind, exe, tmp string) loadgen.Result {
	t := loadgen.Target{Kind: k, URL: f.target, PID: f.targetPID}
	if k == loadgen.Baseline || f.target == "" {
		p, err := startServer(ctx, k, exe, f.baselineBin, tmp, filepath.Join(f.logDir, fmt.Sprintf("%s-%s.log", w, k)))
		if err != nil {
			return loadgen.Result{Workload: w, Target: k, Err: err}
		}
		defer p.stop()
		t.URL, t.PID = p.ws, p.cmd.Process.Pid
	}
	return loadgen.Run(ctx, t, w, f.cfg)
}

// serverProc is a server process bench started.
type serverProc struct {
	cmd  *exec.Cmd
	ws   string
	done chan struct{}
}

// startServer starts Switchboard (this binary, `bench node`, fresh data
// folder) or the baseline on a free loopback port and waits until it is ready.
func startServer(ctx context.Context, k loadgen.Kind, exe, baselineBin, tmp, logPath string) (*serverProc, error) {
	var cmd *exec.Cmd
	if k == loadgen.Switchboard {
		data, err := os.MkdirTemp(tmp, "data-")
		if err != nil {
			return nil, err
		}
		cmd = exec.Command(exe, "bench", "node", "--addr", "127.0.0.1:0", "--data", data, "--log-level", "warn")
	} else {
		cmd = exec.Command(baselineBin, "--addr", "127.0.0.1:0")
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logFile
	dieWithParent(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	p := &serverProc{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(p.done)
		defer logFile.Close()
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, a, ok := strings.Cut(sc.Text(), "serving at http://"); ok {
				select {
				case addr <- strings.TrimSuffix(a, "/"):
				default:
				}
			}
		}
		cmd.Wait()
	}()
	select {
	case a := <-addr:
		p.ws = "ws://" + a + "/ws"
		if err := waitReady(ctx, "http://"+a+"/readyz"); err != nil {
			p.stop()
			return nil, err
		}
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s server exited at start; see %s", k, logPath)
	case <-time.After(30 * time.Second):
		p.stop()
		return nil, fmt.Errorf("%s server did not start within 30 s; see %s", k, logPath)
	}
}

func waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s not ready: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop asks the server to stop (SIGTERM), and kills it after 15 s.
func (p *serverProc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

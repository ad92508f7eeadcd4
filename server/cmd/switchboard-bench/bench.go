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
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchboard-rt/switchboard/server/loadgen"
)

const benchUsage = `usage: switchboard-bench [flags]

Runs the load workloads (W1 2,000 clients in 20 rooms at 20 msg/s per room;
W2 one room of 1,000 with the rate stepped up; W3 10,000 then 50,000 idle
connections from source addresses 127.0.0.2, 127.0.0.3, …; W4 5,000
connections within 10 s; W5 3,000 sessions on three nodes sharing a NATS
cluster, one node killed; W2T as W2 with its clients on the plain-text
endpoint /text; WZ W2's room at --wz-rate against a server without, then
one with --compression, the clients offering permessage-deflate to both,
measuring bytes on the wire per delivery and CPU) against Switchboard and,
in the same run with the same load generator, against the peers named by
--peers (the bare coder/websocket broadcaster, "baseline", and the
gorilla/websocket chat hub, "gorilla"; W1-W4 only), and prints one Markdown
table with Switchboard's ratio to each. Without --target each workload gets
a fresh server process (the switchboard binary running "bench node", no web app; each
peer its own binary) so its CPU and RSS come from /proc.
Settings come from flags only (BENCHFLAGS in make bench).

flags:
`

// benchFlags are the settings of switchboard-bench.
type benchFlags struct {
	target, workloads, out, goBench, webDir, logDir string
	baselineBin, gorillaBin, switchboard            string
	targetPID                                       int
	baseline, profile, browser                      bool
	selfProfile                                     string
	// peers are the servers compared with Switchboard (--peers, and the
	// baseline with --baseline), in the report's order.
	peers []loadgen.Kind
	cfg   loadgen.Config
	// profiles lists the profiles saved, for the report's footer.
	profiles []string
}

func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := &benchFlags{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	fs.StringVar(&f.target, "target", "", "ws:// URL of a running Switchboard /ws endpoint (default: start one per workload)")
	fs.IntVar(&f.targetPID, "target-pid", 0, "process id of --target, for its CPU and RSS (default: not measured)")
	fs.StringVar(&f.workloads, "workloads", strings.Join(loadgen.Workloads, ","), "workloads to run, comma-separated")
	fs.Func("peers", "servers to run W1-W4 against besides Switchboard, comma-separated: baseline (the bare coder/websocket broadcaster), gorilla (the gorilla/websocket chat hub) (default none)", func(s string) error {
		kinds, err := parsePeers(s)
		f.peers = kinds
		return err
	})
	fs.BoolVar(&f.baseline, "baseline", false, "also run every workload against the bare broadcaster (as --peers baseline)")
	fs.StringVar(&f.baselineBin, "baseline-bin", "", "the baseline broadcaster binary (default: bench/baseline beside this binary)")
	fs.StringVar(&f.gorillaBin, "gorilla-bin", "", "the gorilla chat hub binary (default: bench/gorilla beside this binary)")
	fs.DurationVar(&f.cfg.Duration, "duration", 10*time.Second, "W1 send window and length of each W2 step")
	f.cfg.W3Steps = []int{10000, 50000}
	fs.Func("w3-steps", "W3 idle connections held, step after step, comma-separated totals (default 10000,50000)", func(s string) error {
		steps, err := parseSteps(s)
		f.cfg.W3Steps = steps
		return err
	})
	fs.Func("w2-rates", "W2 send rates (messages/s), step after step, comma-separated (default 5,10,20,…,3200)", func(s string) error {
		f.cfg.W2Rates = nil
		for _, v := range strings.Split(s, ",") {
			r, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || r <= 0 {
				return fmt.Errorf("rate %q: not a positive number", v)
			}
			f.cfg.W2Rates = append(f.cfg.W2Rates, r)
		}
		return nil
	})
	fs.IntVar(&f.cfg.W4Conns, "w4-conns", 5000, "W4 connections opened within 10 s")
	fs.IntVar(&f.cfg.W1Clients, "w1-clients", 2000, "W1 clients")
	fs.IntVar(&f.cfg.W1Rooms, "w1-rooms", 20, "W1 rooms (one sender each)")
	fs.Float64Var(&f.cfg.W1TextShare, "w1-text-share", 0.1, "share of W1's clients on the plain-text endpoint /text/{room}/{user} (0: none)")
	fs.IntVar(&f.cfg.W2Clients, "w2-clients", 1000, "W2 clients in its one room")
	fs.Float64Var(&f.cfg.WZRate, "wz-rate", 100, "WZ messages/s to its one room of --w2-clients, for --duration without then with --compression")
	fs.IntVar(&f.cfg.W5Clients, "w5-clients", 3000, "W5 sessions spread over three nodes, one of which is killed")
	fs.IntVar(&f.cfg.W5Rooms, "w5-rooms", 5, "W5 rooms (one sender each)")
	fs.Float64Var(&f.cfg.W5Rate, "w5-rate", 2, "W5 messages/s per room")
	fs.StringVar(&f.out, "out", "", "also write the report to this file")
	fs.StringVar(&f.goBench, "go-bench", "", "file holding go test -bench output to include in the report")
	fs.StringVar(&f.webDir, "web-dir", "", "the built web app (bin/web): app.wasm on the wire and, with --browser, time to first message in Chromium (default: none)")
	fs.BoolVar(&f.browser, "browser", true, "with --web-dir: serve it and time the first message rendered in headless Chromium ($CHROMIUM or chromium), cold and warm")
	fs.StringVar(&f.logDir, "log-dir", "", "folder for the started servers' logs and profiles (default: a temp folder, removed)")
	fs.BoolVar(&f.profile, "profile", true, "save pprof CPU and allocation profiles of the server under W2 in --log-dir")
	fs.StringVar(&f.selfProfile, "loadgen-profile", "", "write a pprof CPU profile of the load generator itself (the whole run) to this file (default: none)")
	fs.StringVar(&f.switchboard, "switchboard", "", "the switchboard binary, started as `switchboard bench node` per workload and `switchboard serve` for the browser figures (default: switchboard beside this binary)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if f.cfg.W1TextShare == 0 {
		f.cfg.W1TextShare = -1 // the flag's 0 means none; Config's means the default
	}
	// Servers started below inherit the limit. Without it W3's larger
	// steps are skipped, with the reason in the report's notes.
	limit, err := loadgen.RaiseFileLimit(benchFileLimit)
	if err != nil {
		fmt.Fprintf(stderr, ">> bench: %v\n", err)
		f.cfg.FileLimitNote = err.Error()
	}
	f.cfg.Log = stderr
	self, err := os.Executable()
	if err != nil {
		return err
	}
	exe := f.switchboard
	if exe == "" {
		exe = filepath.Join(filepath.Dir(self), "switchboard")
	}
	if f.baselineBin == "" {
		f.baselineBin = filepath.Join(filepath.Dir(self), "bench", "baseline")
	}
	if f.gorillaBin == "" {
		f.gorillaBin = filepath.Join(filepath.Dir(self), "bench", "gorilla")
	}
	if f.baseline && !slices.Contains(f.peers, loadgen.Baseline) {
		f.peers = append([]loadgen.Kind{loadgen.Baseline}, f.peers...)
	}
	for _, k := range f.peers {
		if _, err := os.Stat(f.peerBin(k)); err != nil {
			return fmt.Errorf("%s: %w (build it: %s)", k, err, peerBuild(k, f.peerBin(k)))
		}
	}
	tmp, err := os.MkdirTemp("", "switchboard-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if f.logDir == "" {
		f.logDir = tmp
		f.profile = false // nowhere to keep them
	} else if err := os.MkdirAll(f.logDir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(stderr, ">> bench: open-files limit %d, %d CPUs, logs in %s\n", limit, runtime.NumCPU(), f.logDir)

	if f.selfProfile != "" {
		pf, err := os.Create(f.selfProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var sb []loadgen.Result
	peers := make([][]loadgen.Result, len(f.peers))
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
		switch w {
		case "W5":
			fmt.Fprintf(stderr, ">> W5 against a cluster of %d switchboard nodes\n", clusterNodes)
			sb = append(sb, runW5(ctx, f, exe, tmp))
		case "WZ":
			fmt.Fprintf(stderr, ">> %s against switchboard without, then with --compression\n", loadgen.Label(w))
			sb = append(sb, runWZ(ctx, f, exe, tmp))
		default:
			fmt.Fprintf(stderr, ">> %s against switchboard\n", loadgen.Label(w))
			sb = append(sb, runOne(ctx, f, w, loadgen.Switchboard, exe, tmp))
		}
		for i, k := range f.peers {
			if loadgen.SwitchboardOnly(w) {
				peers[i] = append(peers[i], loadgen.Result{Workload: w, Target: k})
				continue
			}
			if ctx.Err() != nil {
				break
			}
			fmt.Fprintf(stderr, ">> %s against %s\n", w, k)
			peers[i] = append(peers[i], runOne(ctx, f, w, k, exe, tmp))
		}
	}

	loadTook, loadAfter := time.Since(start), loadAvg()
	var browser *browserFigures
	if f.webDir != "" && f.browser && ctx.Err() == nil {
		fmt.Fprintf(stderr, ">> browser: app.wasm on the wire, first message rendered in headless Chromium (%d cold, %d warm)\n", browserRuns, browserRuns)
		b := benchBrowser(ctx, exe, f.webDir, chromiumPath(getenv), tmp, f.logDir)
		browser = &b
	}

	var rep strings.Builder
	fmt.Fprintf(&rep, "# Switchboard bench, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&rep, "%d CPUs, %s; load generator and server on the same host (loopback); load part took %v; "+
		"load average (1 min) %s before, %s after (anything else running on the host skews the figures).\n\n",
		runtime.NumCPU(), runtime.Version(), loadTook.Round(time.Second), loadBefore, loadAfter)
	if f.goBench != "" {
		if err := writeGoBench(&rep, f.goBench); err != nil {
			fmt.Fprintf(&rep, "Go benchmarks: %v\n\n", err)
		}
	}
	fmt.Fprintf(&rep, "## Load (`switchboard-bench`, %v per window)\n\n", f.cfg.Duration)
	loadgen.WriteTable(&rep, sb, peers...)
	if browser != nil {
		browser.write(&rep)
	} else if f.webDir != "" {
		writeWasmSizes(&rep, f.webDir)
	}
	if len(f.profiles) > 0 {
		fmt.Fprintln(&rep)
		fmt.Fprintln(&rep, "Server profiles under W2 (`go tool pprof -top <file>`):")
		for _, p := range f.profiles {
			fmt.Fprintf(&rep, "- %s\n", p)
		}
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

// benchFileLimit is the open-files limit bench asks for: W3's 50,000-step
// needs one descriptor per connection in the load generator and in the
// server, and a default hard limit is often 4,096 to 20,000. Raising the
// hard limit needs root (as in CI).
const benchFileLimit = 200000

// parseSteps parses --w3-steps: growing positive totals, comma-separated.
func parseSteps(s string) ([]int, error) {
	var steps []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("step %q: not a positive count", f)
		}
		if len(steps) > 0 && n <= steps[len(steps)-1] {
			return nil, fmt.Errorf("step %d: steps must grow", n)
		}
		steps = append(steps, n)
	}
	return steps, nil
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

// parsePeers parses --peers: peer names, comma-separated, each once.
func parsePeers(s string) ([]loadgen.Kind, error) {
	var kinds []loadgen.Kind
	for _, name := range strings.Split(s, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		i := slices.IndexFunc(loadgen.Peers, func(k loadgen.Kind) bool { return k.String() == name })
		if i < 0 {
			return nil, fmt.Errorf("peer %q: want baseline or gorilla", name)
		}
		if slices.Contains(kinds, loadgen.Peers[i]) {
			return nil, fmt.Errorf("peer %q named twice", name)
		}
		kinds = append(kinds, loadgen.Peers[i])
	}
	return kinds, nil
}

// peerBin is the binary of peer k.
func (f *benchFlags) peerBin(k loadgen.Kind) string {
	if k == loadgen.Gorilla {
		return f.gorillaBin
	}
	return f.baselineBin
}

// peerBuild is the command that builds peer k's binary to out.
func peerBuild(k loadgen.Kind, out string) string {
	if k == loadgen.Gorilla {
		// Its own module (gorilla/websocket stays out of the server's).
		return fmt.Sprintf("cd server/bench/gorilla && GOWORK=off go build -trimpath -o %s .", out)
	}
	return fmt.Sprintf("go build -trimpath -o %s ./server/bench/baseline", out)
}

// runOne runs workload w against a fresh server of kind k (or --target).
// Against a Switchboard server it started for W2 it saves the server's CPU
// and allocation profiles in the log folder and adds their paths to
// f.profiles.
func runOne(ctx context.Context, f *benchFlags, w string, k loadgen.Kind, exe, tmp string) loadgen.Result {
	t := loadgen.Target{Kind: k, URL: f.target, PID: f.targetPID}
	cfg := f.cfg
	var prof *profiler
	if k != loadgen.Switchboard || f.target == "" {
		var extra []string
		if w == "W2" && k == loadgen.Switchboard && f.profile {
			extra = append(extra, "--pprof")
		}
		p, err := startServer(ctx, k, exe, f.peerBin(k), tmp, filepath.Join(f.logDir, fmt.Sprintf("%s-%s.log", w, k)), extra...)
		if err != nil {
			return loadgen.Result{Workload: w, Target: k, Err: err}
		}
		defer p.stop()
		t.URL, t.PID = p.ws, p.cmd.Process.Pid
		if len(extra) > 0 {
			prof = &profiler{base: p.http, dir: f.logDir, prefix: fmt.Sprintf("%s-%s", w, k)}
			cfg.OnW2Step = prof.onStep
		}
	}
	r := loadgen.Run(ctx, t, w, cfg)
	if prof != nil {
		saved, err := prof.finish()
		f.profiles = append(f.profiles, saved...)
		if err != nil {
			r.Notes = append(r.Notes, "profiles: "+err.Error())
		}
	}
	return r
}

// serverProc is a server process bench started.
type serverProc struct {
	cmd      *exec.Cmd
	ws, http string // ws://host:port/ws and http://host:port
	done     chan struct{}
}

// startServer starts Switchboard (this binary, `bench node`, fresh data
// folder) or a peer (peerBin) on a free loopback port and waits until it is
// ready. extra flags go to `bench node`.
func startServer(ctx context.Context, k loadgen.Kind, exe, peerBin, tmp, logPath string, extra ...string) (*serverProc, error) {
	var cmd *exec.Cmd
	if k == loadgen.Switchboard {
		data, err := os.MkdirTemp(tmp, "data-")
		if err != nil {
			return nil, err
		}
		args := append([]string{"bench", "node", "--addr", "127.0.0.1:0", "--data", data, "--log-level", "warn"}, extra...)
		cmd = exec.Command(exe, args...)
	} else {
		cmd = exec.Command(peerBin, "--addr", "127.0.0.1:0")
	}
	return launch(ctx, cmd, k.String(), logPath)
}

// launch starts cmd, a server that prints its address on stdout, with its
// stderr in logPath, and waits until it is ready.
func launch(ctx context.Context, cmd *exec.Cmd, name, logPath string) (*serverProc, error) {
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
	return waitServer(ctx, cmd, out, logFile, name, logPath)
}

// serverStartTimeout bounds a server's start. A node on a NATS cluster
// waits for JetStream's meta leader and three-replica streams, which takes
// a while on a busy host.
const serverStartTimeout = 90 * time.Second

// waitServer watches a started server's stdout for its address and waits
// until it answers /readyz.
func waitServer(ctx context.Context, cmd *exec.Cmd, out io.Reader, logFile *os.File, what, logPath string) (*serverProc, error) {
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
		p.ws, p.http = "ws://"+a+"/ws", "http://"+a
		if err := waitReady(ctx, "http://"+a+"/readyz"); err != nil {
			p.stop()
			return nil, err
		}
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s server exited at start; see %s", what, logPath)
	case <-time.After(serverStartTimeout):
		p.stop()
		return nil, fmt.Errorf("%s server did not start within %v; see %s", what, serverStartTimeout, logPath)
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

// kill ends the server at once (SIGKILL) and waits until it has exited.
func (p *serverProc) kill() error {
	err := p.cmd.Process.Kill()
	<-p.done
	return err
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

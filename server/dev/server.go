package dev

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// serverProc is one run of the switchboard binary, in a process group of
// its own. A goroutine waits for the process and closes exited; stop ends
// the process and waits for that goroutine.
type serverProc struct {
	cmd    *exec.Cmd
	output *tail
	exited chan struct{}
	err    error // how it exited, once exited is closed
}

// startServer starts bin with args; its logs (stderr) go to out and are
// kept (the last few kilobytes) for the error overlay. Its stdout only says
// where it serves, which is not where browsers should go: it is dropped.
func startServer(bin string, args []string, out io.Writer) (*serverProc, error) {
	p := &serverProc{output: &tail{max: 8 << 10}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = os.Environ()
	p.cmd.Stderr = io.MultiWriter(out, p.output)
	ownGroup(p.cmd)
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// waitReady polls url (the server's /readyz) until it answers 200, the
// process exits, or ctx ends.
func (p *serverProc) waitReady(ctx context.Context, url string) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.exited:
			return fmt.Errorf("the server exited (%v)", p.err)
		case <-ctx.Done():
			return fmt.Errorf("the server was not ready in time: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// stop asks the server to stop (SIGTERM: it closes connections with 1001,
// so tabs reconnect at once), kills it after grace, and waits for it.
func (p *serverProc) stop(grace time.Duration) {
	select {
	case <-p.exited:
		return
	default:
	}
	terminate(p.cmd)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		kill(p.cmd)
		<-p.exited
	}
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

// String returns what was kept, from the first whole line.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(t.buf)
	if len(t.buf) == t.max {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
	}
	return s
}

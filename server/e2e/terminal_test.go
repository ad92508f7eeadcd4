package e2e

import (
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
)

// buildSwitchboard builds the switchboard binary into a folder of the test.
func buildSwitchboard(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "switchboard")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/switchboard")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build switchboard: %v\n%s", err, out)
	}
	return bin
}

// chatProcess is `switchboard chat` running as a process, its stdin and
// stdout in the test's hands.
type chatProcess struct {
	t        *testing.T
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	out, err *testnode.Output
	done     chan error
}

func startChatProcess(t *testing.T, bin string, args ...string) *chatProcess {
	t.Helper()
	p := &chatProcess{t: t, out: &testnode.Output{}, err: &testnode.Output{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, append([]string{"chat"}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.err
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start chat: %v", err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		p.wait()
	})
	return p
}

// wait returns how the process ended (waiting at most 20 s).
func (p *chatProcess) wait() error {
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(20 * time.Second):
		p.t.Fatalf("chat did not exit; stdout:\n%s\nstderr:\n%s", p.out, p.err)
		return nil
	}
}

func (p *chatProcess) waitOut(want string) {
	p.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(p.out.String(), want) {
		if time.Now().After(deadline) {
			p.t.Fatalf("chat never printed %q; stdout:\n%s\nstderr:\n%s", want, p.out, p.err)
		}
		<-tick.C
	}
}

func (p *chatProcess) typeLine(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatalf("type into chat: %v", err)
	}
}

// The terminal client, a real process driven through its stdin and
// stdout, talks with a person in the browser: each sees the other join
// and speak; Ctrl-D ends the client with status 0 and the browser sees it
// leave; a second client ends on Ctrl-C (SIGINT), also with status 0.
func TestTerminalChatWithBrowser(t *testing.T) {
	bin := buildSwitchboard(t)
	n := startNode(t, server.Config{})
	ws := "ws" + strings.TrimPrefix(n.HTTP.URL, "http")

	cli := startChatProcess(t, bin, "--server", ws, "--room", "terminal", "--name", "tty")
	cli.waitOut("* you are in #terminal (1 online: tty)")

	alloc := browser(t)
	web := newTab(t, alloc, "web")
	web.joinRoom(n.HTTP.URL, "terminal")
	web.waitText("region", "Online", "tty")
	cli.waitOut(" * web joined\n")

	web.say("hello terminal")
	cli.waitOut(" web: hello terminal\n")
	cli.typeLine("hello browser")
	web.waitText("list", "Messages", "hello browser")

	cli.typeLine("bye")
	cli.stdin.Close() // Ctrl-D
	if err := cli.wait(); err != nil {
		t.Fatalf("chat exited with %v; stderr:\n%s", err, cli.err)
	}
	web.waitText("list", "Messages", "bye")
	web.waitNoText("region", "Online", "tty")

	again := startChatProcess(t, bin, "--server", ws, "--room", "terminal", "--name", "tty2")
	again.waitOut("hello browser") // the room's history
	web.waitText("region", "Online", "tty2")
	if err := again.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := again.wait(); err != nil {
		t.Fatalf("chat exited with %v after Ctrl-C", err)
	}
	web.waitNoText("region", "Online", "tty2")
	web.screenshot("terminal-chat-browser")
}

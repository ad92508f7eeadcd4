//go:build unix

package dev

import (
	"os/exec"
	"syscall"
)

// ownGroup makes cmd start in a process group of its own, so that what it
// starts in turn (the compiler and linker under `go build`) stops with it,
// and a Ctrl-C in the terminal reaches switchboard-dev alone, which then
// stops its children in order. On Linux the child also gets SIGTERM should
// switchboard-dev die without stopping it.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	parentDeathSignal(cmd.SysProcAttr)
}

// terminate asks cmd's process group to stop (SIGTERM).
func terminate(cmd *exec.Cmd) error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }

// kill stops cmd's process group at once (SIGKILL).
func kill(cmd *exec.Cmd) error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }

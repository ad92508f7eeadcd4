package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill cmd's process if bench dies first,
// so a crashed or killed run leaves no server behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

//go:build !unix

package dev

import "os/exec"

// ownGroup does nothing where there are no process groups.
func ownGroup(*exec.Cmd) {}

// terminate stops cmd (there is no gentler way here).
func terminate(cmd *exec.Cmd) error { return cmd.Process.Kill() }

// kill stops cmd at once.
func kill(cmd *exec.Cmd) error { return cmd.Process.Kill() }

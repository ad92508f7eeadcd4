//go:build unix && !linux

package dev

import "syscall"

func parentDeathSignal(*syscall.SysProcAttr) {}

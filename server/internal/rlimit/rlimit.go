// Package rlimit raises the process's open-files limit, for the servers
// and the load generator of the bench, which hold thousands of sockets.
package rlimit

import (
	"errors"
	"fmt"
	"syscall"
)

// Raise raises this process's open-files limit, soft and hard, to at least
// want (which needs root, or CAP_SYS_RESOURCE, above the hard limit), and
// otherwise its soft limit to its hard limit. Processes it starts inherit
// the limit. It returns the soft limit now in force and, if want could not
// be reached, why.
func Raise(want uint64) (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	var raiseErr error
	if want > l.Max {
		up := syscall.Rlimit{Cur: want, Max: want}
		err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &up)
		if err == nil {
			return want, nil
		}
		raiseErr = fmt.Errorf("raise the open-files limit from %d to %d: %w", l.Max, want, err)
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, errors.Join(raiseErr, err)
		}
	}
	return l.Cur, raiseErr
}

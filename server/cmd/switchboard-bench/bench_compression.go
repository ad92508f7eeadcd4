package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/switchboard-rt/switchboard/server/loadgen"
)

// runWZ runs WZ (W2's room at --wz-rate, without and with permessage-deflate):
// RunWZ gets a fresh server for each half, this binary running `bench node`
// as for any workload, the second with --compression added the way runOne
// adds --pprof. The clients offer permessage-deflate to both, so only the
// server's setting differs.
func runWZ(ctx context.Context, f *benchFlags, exe, tmp string) loadgen.Result {
	if f.target != "" {
		return loadgen.Result{Workload: "WZ", Target: loadgen.Switchboard,
			Err: errors.New("WZ starts its own two servers, one with --compression: run it without --target")}
	}
	start := func(ctx context.Context, on bool) (loadgen.Target, func(), error) {
		var extra []string
		logName := "WZ-off-switchboard.log"
		if on {
			extra = append(extra, "--compression")
			logName = "WZ-on-switchboard.log"
		}
		p, err := startServer(ctx, loadgen.Switchboard, exe, "", tmp, filepath.Join(f.logDir, logName), extra...)
		if err != nil {
			return loadgen.Target{}, nil, fmt.Errorf("switchboard %v: %w", extra, err)
		}
		return loadgen.Target{Kind: loadgen.Switchboard, URL: p.ws, PID: p.cmd.Process.Pid}, p.stop, nil
	}
	return loadgen.RunWZ(ctx, start, f.cfg)
}

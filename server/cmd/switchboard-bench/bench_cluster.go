package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/switchboard-rt/switchboard/server/loadgen"
	"github.com/switchboard-rt/switchboard/server/natsd"
)

// clusterNodes is how many NATS servers and Switchboard nodes W5 runs.
const clusterNodes = 3

// runW5 starts a NATS cluster of three servers in this process (JetStream
// over routes, room streams with three replicas), three Switchboard nodes
// as processes of this binary (`bench node --nats-url`, one per NATS
// server), and runs the reconnect storm on them; RunW5 kills node 0.
func runW5(ctx context.Context, f *benchFlags, exe, tmp string) loadgen.Result {
	fail := func(err error) loadgen.Result {
		return loadgen.Result{Workload: "W5", Target: loadgen.Switchboard, Err: err}
	}
	natsLog, err := os.Create(filepath.Join(f.logDir, "W5-nats.log"))
	if err != nil {
		return fail(err)
	}
	defer natsLog.Close()
	nats, err := startNATSCluster(tmp, slog.New(slog.NewTextHandler(natsLog, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err != nil {
		return fail(err)
	}
	defer func() {
		for _, s := range nats {
			s.Shutdown()
		}
	}()
	// One after the other: nodes starting together race to create the
	// same streams and buckets, and time out.
	procs := make([]*serverProc, clusterNodes)
	defer func() {
		for _, p := range procs {
			if p != nil {
				p.stop()
			}
		}
	}()
	for i := range clusterNodes {
		procs[i], err = startServer(ctx, loadgen.Switchboard, exe, "", tmp,
			filepath.Join(f.logDir, fmt.Sprintf("W5-node%d.log", i)),
			"--nats-url", nats[i].ClientURL(), "--replicas", "3", "--node", fmt.Sprintf("w5-node%d", i))
		if err != nil {
			return fail(err)
		}
	}
	c := loadgen.Cluster{Kill: func(i int) error { return procs[i].kill() }}
	for _, p := range procs {
		c.URLs = append(c.URLs, p.ws)
		c.PIDs = append(c.PIDs, p.cmd.Process.Pid)
	}
	return loadgen.RunW5(ctx, c, f.cfg)
}

// startNATSCluster starts clusterNodes NATS servers with JetStream on
// loopback, routed into one cluster, their stores under tmp.
func startNATSCluster(tmp string, log *slog.Logger) ([]*natsd.Server, error) {
	dirs := make([]string, clusterNodes)
	for i := range dirs {
		dir, err := os.MkdirTemp(tmp, "nats-")
		if err != nil {
			return nil, err
		}
		dirs[i] = dir
	}
	return natsd.StartCluster(natsd.ClusterOptions{StoreDirs: dirs, Name: "switchboard-bench", Logger: log})
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"

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
// loopback, routed into one cluster, trying other ports if one was taken
// meanwhile.
func startNATSCluster(tmp string, log *slog.Logger) ([]*natsd.Server, error) {
	var err error
	for range 3 {
		var servers []*natsd.Server
		if servers, err = tryNATSCluster(tmp, log); err == nil {
			return servers, nil
		}
	}
	return nil, fmt.Errorf("start the NATS cluster: %w", err)
}

func tryNATSCluster(tmp string, log *slog.Logger) ([]*natsd.Server, error) {
	const n = clusterNodes
	ports, err := freePorts(2 * n)
	if err != nil {
		return nil, err
	}
	routes := make([]string, n)
	for i := range n {
		routes[i] = "nats://" + ports[n+i]
	}
	servers := make([]*natsd.Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		dir, err := os.MkdirTemp(tmp, "nats-")
		if err != nil {
			return nil, err
		}
		wg.Go(func() {
			servers[i], errs[i] = natsd.Start(natsd.Options{
				StoreDir:      dir,
				Listen:        ports[i],
				ServerName:    fmt.Sprintf("bench-nats-%d", i),
				ClusterName:   "switchboard-bench",
				ClusterListen: ports[n+i],
				Routes:        routes,
				Logger:        log.With("nats", i),
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, s := range servers {
			if s != nil {
				s.Shutdown()
			}
		}
		return nil, err
	}
	return servers, nil
}

// freePorts returns k loopback addresses free at the time of the call,
// reserved together so that no two are the same.
func freePorts(k int) ([]string, error) {
	var addrs []string
	for range k {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

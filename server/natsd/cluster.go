package natsd

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
)

// ClusterOptions configure StartCluster.
type ClusterOptions struct {
	// StoreDirs are the members' JetStream folders, one per member: their
	// number is the cluster's size. Required.
	StoreDirs []string
	// Name names the cluster and, with a member's index, its servers.
	// Default "switchboard".
	Name string
	// Logger receives every member's notices, with its index. Default:
	// discarded.
	Logger *slog.Logger
}

// StartCluster starts one NATS server with JetStream per store folder on
// loopback, routed into one cluster. A JetStream cluster wants all routes
// configured from the start, so every member's client and cluster port is
// reserved first, all together (no two alike); if one was taken meanwhile,
// it tries again with other ports, three times in all.
func StartCluster(o ClusterOptions) ([]*Server, error) {
	if o.Name == "" {
		o.Name = "switchboard"
	}
	var err error
	for range 3 {
		var servers []*Server
		if servers, err = startCluster(o); err == nil {
			return servers, nil
		}
	}
	return nil, fmt.Errorf("start a NATS cluster of %d: %w", len(o.StoreDirs), err)
}

// startCluster makes one attempt; on failure it stops the members that
// started.
func startCluster(o ClusterOptions) ([]*Server, error) {
	n := len(o.StoreDirs)
	ports, err := freePorts(2 * n)
	if err != nil {
		return nil, err
	}
	routes := make([]string, n)
	for i := range n {
		routes[i] = "nats://" + ports[n+i]
	}
	servers := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, dir := range o.StoreDirs {
		opts := Options{
			StoreDir:      dir,
			Listen:        ports[i],
			ServerName:    fmt.Sprintf("%s-%d", o.Name, i),
			ClusterName:   o.Name,
			ClusterListen: ports[n+i],
			Routes:        routes,
		}
		if o.Logger != nil {
			opts.Logger = o.Logger.With("nats", i)
		}
		wg.Go(func() { servers[i], errs[i] = Start(opts) })
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

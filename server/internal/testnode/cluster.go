package testnode

import (
	"errors"
	"net"
	"path/filepath"
	"sync"
	"testing"

	"github.com/switchboard-rt/switchboard/server/natsd"
)

// NATS starts a standalone NATS server with JetStream listening on loopback
// (an "external" NATS for the nodes) with its store under dir, on addr
// ("127.0.0.1:-1" for any port). It is shut down when the test ends.
func NATS(t testing.TB, dir, addr string) *natsd.Server {
	t.Helper()
	s, err := natsd.Start(natsd.Options{StoreDir: dir, Listen: addr, ServerName: "ext-" + filepath.Base(dir)})
	if err != nil {
		t.Fatalf("start NATS: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// NATSCluster starts n NATS servers with JetStream, routed into one
// cluster, and returns them. They are shut down when the test ends.
func NATSCluster(t testing.TB, n int) []*natsd.Server {
	t.Helper()
	var err error
	for try := 0; try < 3; try++ {
		var servers []*natsd.Server
		if servers, err = startCluster(t, n); err == nil {
			for _, s := range servers {
				t.Cleanup(s.Shutdown)
			}
			return servers
		}
		t.Logf("NATS cluster start %d failed (%v); again with other ports", try+1, err)
	}
	t.Fatalf("start NATS cluster: %v", err)
	return nil
}

// startCluster reserves every member's client and cluster port (a JetStream
// cluster wants all routes configured from the start, and reserving them
// together keeps one member's port from landing on another's), then starts
// the members. On failure it stops the members that started.
func startCluster(t testing.TB, n int) ([]*natsd.Server, error) {
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
		dir := t.TempDir()
		wg.Go(func() {
			servers[i], errs[i] = natsd.Start(natsd.Options{
				StoreDir:      dir,
				Listen:        ports[i],
				ServerName:    "nats-" + string(rune('a'+i)),
				ClusterName:   "switchboard-test",
				ClusterListen: ports[n+i],
				Routes:        routes,
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

// freePorts returns k loopback addresses free at the time of the call.
func freePorts(k int) ([]string, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	var addrs []string
	for range k {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

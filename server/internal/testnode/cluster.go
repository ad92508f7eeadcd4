package testnode

import (
	"path/filepath"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = t.TempDir()
	}
	servers, err := natsd.StartCluster(natsd.ClusterOptions{StoreDirs: dirs, Name: "switchboard-test"})
	if err != nil {
		t.Fatalf("start NATS cluster: %v", err)
	}
	for _, s := range servers {
		t.Cleanup(s.Shutdown)
	}
	return servers
}

// JetStream connects to the NATS server at natsURL, behind the nodes'
// backs, and returns the connection and its JetStream context. The
// connection is closed when the test ends.
func JetStream(t testing.TB, natsURL string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// RoomStream opens the rooms' stream (SWITCHBOARD_ROOMS) on the NATS server
// at natsURL (see JetStream).
func RoomStream(t testing.TB, natsURL string) jetstream.Stream {
	t.Helper()
	_, js := JetStream(t, natsURL)
	stream, err := js.Stream(Ctx(t), "SWITCHBOARD_ROOMS")
	if err != nil {
		t.Fatal(err)
	}
	return stream
}

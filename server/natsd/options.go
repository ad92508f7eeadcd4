// Package natsd runs the NATS server that Switchboard embeds by default: one
// in-process nats-server with JetStream on local disk, reachable only through
// an in-process connection unless a listen address is given.
//
// Built with the tag switchboard_external_nats it has no server (Start
// fails): the binary then leaves out nats-server, about a third of its
// size, and needs --nats-url. make dev builds the server so, as it runs
// the NATS server itself, which makes each rebuild's compile and link
// cheaper.
package natsd

import (
	"log/slog"
	"time"
)

// Options configure the embedded server. The zero value of each field means
// its default.
type Options struct {
	// StoreDir is where JetStream keeps its files. Required.
	StoreDir string
	// Listen is a host:port to accept NATS clients on (other Switchboard
	// nodes, tools). Empty (the default) means no listener: only this process
	// connects, in-process.
	Listen string
	// SyncAlways makes JetStream fsync every write before acknowledging it.
	// Default false: fsync every SyncInterval.
	SyncAlways bool
	// SyncInterval is how often JetStream fsyncs when SyncAlways is false.
	// Default 1 s (nats-server's own default is 2 minutes).
	SyncInterval time.Duration
	// ServerName names this server in a cluster. Default "switchboard".
	ServerName string
	// Logger receives the server's notices and errors. Default: discarded.
	Logger *slog.Logger
	// ReadyTimeout bounds the wait for the server to start. Default 10 s.
	ReadyTimeout time.Duration
	// ClusterName, ClusterListen and Routes join this server to a NATS
	// cluster (JetStream clustered over the routes). Empty: standalone.
	ClusterName   string
	ClusterListen string
	Routes        []string
}

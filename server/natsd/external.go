//go:build switchboard_external_nats

package natsd

import (
	"errors"

	"github.com/nats-io/nats.go"
)

// errNoServer is what Start says in a build without the server.
var errNoServer = errors.New("natsd: this build has no embedded NATS server (built with the tag switchboard_external_nats, as make dev does): point it at one with --nats-url")

// Server is never running in this build.
type Server struct{}

// Start fails: this build has no NATS server.
func Start(Options) (*Server, error) { return nil, errNoServer }

// Connect fails (no server runs).
func (*Server) Connect(...nats.Option) (*nats.Conn, error) { return nil, errNoServer }

// ClientURL is "" (no server runs).
func (*Server) ClientURL() string { return "" }

// ClusterURL is "" (no server runs).
func (*Server) ClusterURL() string { return "" }

// Shutdown does nothing (no server runs).
func (*Server) Shutdown() {}

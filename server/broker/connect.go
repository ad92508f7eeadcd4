package broker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/switchboard-rt/switchboard/server/natsd"
)

// ConnectOptions say which NATS a node uses: an external cluster (URL) or
// an embedded server started for it.
type ConnectOptions struct {
	// URL is the external NATS cluster (comma-separated URLs). Empty: start
	// the embedded server.
	URL string
	// Name names the connection (the node's name) to the NATS server.
	Name string
	// Embedded configures the embedded server (without URL).
	Embedded natsd.Options
	// Logger receives connection events. Default slog.Default().
	Logger *slog.Logger
}

// Conn is a node's NATS connection, and the embedded server behind it if
// Connect started one.
type Conn struct {
	nc       *nats.Conn
	embedded *natsd.Server // nil with an external NATS
}

// Connect dials the NATS of opts (starting the embedded server first when
// opts.URL is empty). The connection reconnects forever, 250 ms apart, and
// buffers nothing while disconnected: a publish then fails at once, so a
// send that got an error is never stored later behind its back.
func Connect(opts ConnectOptions) (*Conn, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	natsOpts := []nats.Option{
		nats.Name("switchboard " + opts.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("NATS reconnected", "url", c.ConnectedUrlRedacted()) }),
	}
	if opts.URL != "" {
		nc, err := nats.Connect(opts.URL, natsOpts...)
		if err != nil {
			return nil, fmt.Errorf("connect to NATS: %w", err)
		}
		return &Conn{nc: nc}, nil
	}
	ns, err := natsd.Start(opts.Embedded)
	if err != nil {
		return nil, err
	}
	nc, err := ns.Connect(natsOpts...)
	if err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("connect to embedded NATS: %w", err)
	}
	return &Conn{nc: nc, embedded: ns}, nil
}

// Connected reports whether the connection is up.
func (c *Conn) Connected() bool { return c.nc.IsConnected() }

// Reconnects is how many times the connection was re-established.
func (c *Conn) Reconnects() uint64 { return c.nc.Stats().Reconnects }

// Drop closes the connection (not the embedded server): the node is cut
// off at once, as by a crash.
func (c *Conn) Drop() { c.nc.Close() }

// Close closes the connection and stops the embedded server.
func (c *Conn) Close() {
	c.nc.Close()
	if c.embedded != nil {
		c.embedded.Shutdown()
	}
}

// NewOn returns the broker on c (see New).
func NewOn(ctx context.Context, c *Conn, opts Options) (*Broker, error) {
	return New(ctx, c.nc, opts)
}

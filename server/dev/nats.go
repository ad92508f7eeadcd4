package dev

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/switchboard-rt/switchboard/server/natsd"
)

// startNATS starts the NATS server (with JetStream) that the servers the
// loop starts use, one after the other, through --nats-url: a restart then
// reconnects to a running JetStream instead of starting one (recovering
// its streams from disk) each time. Its files are where the server's own
// embedded NATS keeps them (data/jetstream), so `make dev` sees the same
// rooms with or without it. It listens on a free loopback port.
func startNATS(dataDir string, log *slog.Logger) (*natsd.Server, error) {
	ns, err := natsd.Start(natsd.Options{
		StoreDir:   filepath.Join(dataDir, "jetstream"),
		Listen:     "127.0.0.1:-1", // any free port
		ServerName: "switchboard-dev",
		Logger:     log.With("component", "nats"),
	})
	if err != nil {
		return nil, fmt.Errorf("dev: start NATS: %w", err)
	}
	return ns, nil
}

// externalNATS reports whether the server is pointed at a NATS of the
// developer's own, with --nats-url among args or SWITCHBOARD_NATS_URL set.
func externalNATS(args []string, getenv func(string) string) bool {
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "nats-url" {
			return true
		}
	}
	return getenv("SWITCHBOARD_NATS_URL") != ""
}

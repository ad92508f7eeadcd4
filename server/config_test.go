package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
)

// Presence settings are checked against each other with the defaults
// filled in: a restatement interval as long as the TTL would make members
// vanish between restatements.
func TestConfigPresenceTimes(t *testing.T) {
	for _, row := range []struct {
		what string
		cfg  server.Config
		bad  bool
	}{
		{"defaults", server.Config{}, false},
		{"interval under the default TTL", server.Config{PresenceInterval: 20 * time.Second}, false},
		{"interval at the default TTL", server.Config{PresenceInterval: 25 * time.Second}, true},
		{"TTL under the default interval", server.Config{PresenceTTL: 5 * time.Second}, true},
		{"both set, TTL longer", server.Config{PresenceInterval: time.Second, PresenceTTL: 3 * time.Second}, false},
		{"both set, TTL shorter", server.Config{PresenceInterval: 3 * time.Second, PresenceTTL: time.Second}, true},
	} {
		err := row.cfg.Validate()
		if got := err != nil && strings.Contains(err.Error(), "PresenceTTL"); got != row.bad {
			t.Errorf("%s: Validate() = %v, want a PresenceTTL problem: %v", row.what, err, row.bad)
		}
	}
}

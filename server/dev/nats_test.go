package dev

import "testing"

// The loop runs its own NATS server unless the server is pointed at one
// (flag, in any of Go's spellings, or environment).
func TestExternalNATS(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "SWITCHBOARD_NATS_URL" {
				return v
			}
			return ""
		}
	}
	for _, c := range []struct {
		args []string
		env  string
		want bool
	}{
		{nil, "", false},
		{[]string{"--log-level", "warn"}, "", false},
		{[]string{"--nats-url", "nats://127.0.0.1:4222"}, "", true},
		{[]string{"-nats-url=nats://127.0.0.1:4222"}, "", true},
		{[]string{"--nats-listen", "127.0.0.1:4222"}, "", false},
		{[]string{"--node", "nats-url"}, "", false},
		{nil, "nats://127.0.0.1:4222", true},
	} {
		if got := externalNATS(c.args, env(c.env)); got != c.want {
			t.Errorf("externalNATS(%q, env %q) = %v, want %v", c.args, c.env, got, c.want)
		}
	}
}

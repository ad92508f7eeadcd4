package server_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Every refusal by a rate limit is counted in
// switchboard_rate_limited_total under its limit: messages and handshakes
// (joins are checked in TestMetricsAfterSession).
func TestRateLimitMetrics(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{MessagesPerSecond: 0.5, MessageBurst: 1, HandshakesPerSecond: 1})
	url := n.HTTP.URL + "/metrics"
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, n.WS, "ann")
	if _, err := ann.Join(ctx, "limits"); err != nil {
		t.Fatal(err)
	}
	refused := 0
	for i := range 4 {
		_, err := ann.Send(ctx, "limits", "hello")
		var perr *protocol.Error
		switch {
		case errors.As(err, &perr) && perr.Code == protocol.CodeRateLimited:
			refused++
		case err != nil:
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if refused == 0 {
		t.Fatal("four sends at once within a burst of 1 were all accepted")
	}
	// Handshakes: one address, 1/s with a burst of 2 (ann's was one).
	turnedAway := 0
	for range 6 {
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := client.Dial(dctx, n.WS, client.Options{Name: "knock"})
		cancel()
		if err != nil {
			turnedAway++
			continue
		}
		c.Close()
	}
	if turnedAway == 0 {
		t.Fatal("six handshakes at once from one address were all accepted")
	}
	testnode.WaitFor(t, wait, "the refusals to be counted", func() bool {
		m := scrape(t, url)
		return metric(m, "switchboard_rate_limited_total", "limit", "messages") == float64(refused) &&
			metric(m, "switchboard_rate_limited_total", "limit", "handshakes") == float64(turnedAway)
	})
}

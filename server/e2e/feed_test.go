package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/api"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Points published to a room's feed through the HTTP API (POST
// /api/v1/rooms/{room}/points with an API key, as a backend would) appear
// in order in the room page's chart, and after the server restarts the
// page resumes the feed: the chart gains exactly the new points, none
// twice.
func TestFeedChartLiveAndResumed(t *testing.T) {
	const room = "e2e-feed"
	const key = "feed-key-0123456789abcdef0123"
	r := testnode.StartRestartable(t, server.Config{WebDir: webDir,
		APIKeys: []api.Key{{Name: "feeder", Secret: key, Rooms: []string{room}}}})
	start := time.Now().Add(-time.Minute)
	value := func(i int) float64 { return 100 + float64(i%5)*2.5 }
	publish := func(from, to int) {
		t.Helper()
		for i := from; i <= to; i++ {
			at := start.Add(time.Duration(i) * time.Second).UnixMilli()
			postPoints(t, r.URL, key, room, "feed-"+strconv.Itoa(i), []protocol.Point{
				{Series: "ACME", Unit: "USD", Value: value(i), Time: at},
				{Series: "Oslo", Unit: "°C", Value: float64(i) / 10, Time: at},
			})
		}
	}
	publish(1, 3) // before the page opens: history

	alloc := browser(t)
	ann, _ := openTab(t, alloc, "ann")
	ann.joinRoom(r.URL, room)
	ann.find("figure", "ACME (USD)")
	ann.find("figure", "Oslo (°C)")
	ann.waitPoints("ACME", 3)

	publish(4, 6) // live
	ann.waitPoints("ACME", 6)
	ann.waitText("list", "ACME (USD): current values", strconv.FormatFloat(value(6), 'f', -1, 64)+" USD")
	ann.checkPathInTimeOrder("ACME", 6)

	r.Stop()
	ann.waitNoText("status", "Connection", "Connected")
	r.Start()
	ann.waitText("status", "Connection", "Connected")
	publish(7, 9)
	ann.waitPoints("ACME", 9)
	ann.waitPoints("Oslo", 9)
	// waitPoints fails as soon as a line has more points than published,
	// and the last point came after any replay: exactly 9, in time order.
	ann.checkPathInTimeOrder("ACME", 9)
	ann.screenshot("feed-chart")
}

// pathPoints returns the data-points of the chart line of series, or -1.
func (tb *tab) pathPoints(series string) int {
	return evalPage[int](tb, `(() => { const p = document.querySelector('path.chart-line[data-series="`+series+`"]'); return p ? Number(p.getAttribute('data-points')) : -1; })()`)
}

// waitPoints waits until the chart line of series has want points, and
// fails at once if it has more.
func (tb *tab) waitPoints(series string, want int) {
	tb.t.Helper()
	got := -1
	ok := tb.poll("the chart of "+series+" to have "+strconv.Itoa(want)+" points", func(ctx context.Context) (bool, error) {
		got = tb.pathPoints(series)
		if got > want {
			tb.t.Fatalf("%s: the chart of %s has %d points, want %d: a point came twice", tb.name, series, got, want)
		}
		return got == want, nil
	})
	if !ok {
		tb.t.Fatalf("%s: the chart of %s has %d points, want %d", tb.name, series, got, want)
	}
}

// checkPathInTimeOrder checks that the line of series has n points whose x
// coordinates grow from left to right.
func (tb *tab) checkPathInTimeOrder(series string, n int) {
	tb.t.Helper()
	d := evalPage[string](tb, `document.querySelector('path.chart-line[data-series="`+series+`"]').getAttribute('d')`)
	segs := strings.FieldsFunc(d, func(r rune) bool { return r == 'M' || r == 'L' })
	if len(segs) != n {
		tb.t.Fatalf("path %q has %d points, want %d", d, len(segs), n)
	}
	last := -1.0
	for _, s := range segs {
		f := strings.Fields(s)
		x, err := strconv.ParseFloat(f[0], 64)
		if err != nil || x <= last {
			tb.t.Fatalf("path %q is not in time order", d)
		}
		last = x
	}
}

// postPoints publishes points to room's feed through the HTTP API (POST
// /api/v1/rooms/{room}/points with API key key), as a backend does.
func postPoints(t testing.TB, base, key, room, id string, points []protocol.Point) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"id": id, "points": points})
	if err != nil {
		t.Fatal(err)
	}
	if status, answer := apiPost(t, base+"/api/v1/rooms/"+room+"/points", key, string(body)); status != http.StatusCreated {
		t.Fatalf("publish %s: %d %s", id, status, answer)
	}
}

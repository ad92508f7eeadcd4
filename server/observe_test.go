package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// scrape reads url (a /metrics endpoint) and parses the text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return families
}

// metric returns the value of series name{labels} (a counter, gauge, or a
// histogram's count), or -1 when there is no such series.
func metric(families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := families[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.Label {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// After a scripted session (connect, join, send, a resume that recovers and
// one that cannot, a rate-limited join, a slow client kicked), every metric
// says what happened; the log has one open and one close line per
// connection (with code and reason) and no message body or token.
func TestMetricsAfterSession(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	cfg := withTokens(server.Config{
		MailboxSize: 64, MessagesPerSecond: 10000, MessageBurst: 100, JoinsPerMinute: 3,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	n := testnode.Start(t, cfg)
	url := n.HTTP.URL + "/metrics"
	ctx := testnode.Ctx(t)

	tok := token(t, jwt.MapClaims{"sub": "ann", "name": "Ann"})
	ann := testnode.DialOpts(t, n.WS, client.Options{Token: tok})
	bob := testnode.Dial(t, n.WS, "bob")
	for _, c := range []*client.Conn{ann, bob} {
		if _, err := c.Join(ctx, "metrics"); err != nil {
			t.Fatal(err)
		}
	}
	const secretBody = "the vault code is 31337"
	sent := 0
	for i := range 3 {
		text := fmt.Sprint(secretBody, " #", i)
		if _, err := ann.Send(ctx, "metrics", text); err != nil {
			t.Fatal(err)
		}
		sent++
		testnode.WaitEvent(t, bob, wait, "message "+text, isMessage("metrics", text))
	}
	// A resume from the last position recovers; one from a foreign epoch
	// cannot (the client must reload).
	joined, err := bob.Join(ctx, "metrics") // a join again re-syncs: leave, then join
	if err != nil {
		t.Fatal(err)
	}
	carl := testnode.Dial(t, n.WS, "carl")
	if ev, err := carl.Do(ctx, protocol.Command{Type: protocol.CmdJoin, Room: "metrics", Epoch: joined.Epoch, Offset: joined.Offset}); err != nil || !ev.Recovered {
		t.Fatalf("resume from the last position: %+v, %v", ev, err)
	}
	dave := testnode.Dial(t, n.WS, "dave")
	if ev, err := dave.Do(ctx, protocol.Command{Type: protocol.CmdJoin, Room: "metrics", Epoch: "0123456789abcdef", Offset: 2}); err != nil || ev.Recovered {
		t.Fatalf("resume from a foreign epoch: %+v, %v", ev, err)
	}
	// dave joins three more rooms: the third is over the per-minute limit.
	for _, room := range []string{"m2", "m3"} {
		if _, err := dave.Join(ctx, room); err != nil {
			t.Fatal(err)
		}
	}
	_, err = dave.Join(ctx, "m4")
	wantCode(t, err, protocol.CodeRateLimited)

	// A slow client that never reads is closed with 4000.
	testnode.DialRaw(t, n.WS, `{"type":"hello","id":"h","name":"slow"}`, `{"type":"join","id":"j","room":"flood"}`)
	testnode.WaitFor(t, wait, "five connections", func() bool { return n.Connections() == 5 })
	if _, err := ann.Join(ctx, "flood"); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range ann.Events() { // ann only sends from now on; keep her reader free
		}
	}()
	big := strings.Repeat("x", 3900)
	for start := time.Now(); n.Connections() == 5; sent++ {
		if time.Since(start) > 60*time.Second {
			t.Fatalf("the slow client was still connected after %d messages", sent)
		}
		if _, err := ann.Send(testnode.Ctx(t), "flood", big); err != nil {
			t.Fatal(err)
		}
	}
	testnode.WaitFor(t, wait, "the slow client's close to be counted", func() bool {
		return metric(scrape(t, url), "switchboard_slow_client_disconnects_total") == 1
	})
	carl.Close()

	testnode.WaitFor(t, wait, "three connections", func() bool { return n.Connections() == 3 })
	m := scrape(t, url)
	for _, row := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"switchboard_connections", nil, 3},
		{"switchboard_connections_opened_total", nil, 5},
		{"switchboard_connections_closed_total", []string{"code", "4000"}, 1},
		{"switchboard_connections_closed_total", []string{"code", "1000"}, 1},
		{"switchboard_slow_client_disconnects_total", nil, 1},
		{"switchboard_rooms", nil, 4},        // metrics, m2, m3, flood
		{"switchboard_room_members", nil, 6}, // ann 2, bob 1, dave 3 (carl left)
		{"switchboard_messages_received_total", nil, float64(sent)},
		{"switchboard_messages_stored_total", nil, float64(sent)},
		{"switchboard_store_seconds", nil, float64(sent)},
		{"switchboard_resumes_total", []string{"recovered", "true"}, 1},
		{"switchboard_resumes_total", []string{"recovered", "false"}, 1},
		{"switchboard_rate_limited_total", []string{"limit", "joins"}, 1},
		{"switchboard_rate_limited_total", []string{"limit", "messages"}, 0},
		{"switchboard_nats_connected", nil, 1},
		{"switchboard_draining", nil, 0},
	} {
		if got := metric(m, row.name, row.labels...); got != row.want {
			t.Errorf("%s%v = %v, want %v", row.name, row.labels, got, row.want)
		}
	}
	// Each event reaches each local member once, and each node observes
	// its delivery latency once per event.
	if got := metric(m, "switchboard_queue_drops_total"); got < 1 {
		t.Errorf("queue drops = %v, want at least 1", got)
	}
	if got, min := metric(m, "switchboard_messages_delivered_total"), float64(3*2+(sent-3)); got < min {
		t.Errorf("delivered = %v, want at least %v", got, min)
	}
	if got := metric(m, "switchboard_delivery_seconds"); got != float64(sent) {
		t.Errorf("delivery latency observations = %v, want %v", got, sent)
	}
	if metric(m, "switchboard_bytes_in_total") <= 0 || metric(m, "switchboard_bytes_out_total") < float64((sent-3)*len(big)) {
		t.Errorf("bytes in %v, out %v", metric(m, "switchboard_bytes_in_total"), metric(m, "switchboard_bytes_out_total"))
	}
	if metric(m, "go_goroutines") <= 0 || metric(m, "process_resident_memory_bytes") <= 0 {
		t.Error("the Go and process collectors are missing")
	}

	// Logs: JSON lines; an open line per connection, and the slow
	// client's close line with its code and reason; no body, no token.
	out := logs.String()
	opened, closed := 0, map[float64]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a log line is not JSON: %q", sc.Text())
		}
		switch line["msg"] {
		case "connection opened":
			opened++
		case "connection closed":
			code, _ := line["code"].(float64)
			reason, _ := line["reason"].(string)
			closed[code] = reason
		}
	}
	if opened != 5 {
		t.Errorf("%d connection opened lines, want 5", opened)
	}
	if !strings.Contains(closed[4000], "too slow") {
		t.Errorf("the slow client's close line: %q, want code 4000 with its reason (closes: %v)", closed[4000], closed)
	}
	for what, secret := range map[string]string{"a message body": secretBody, "a token": tok} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %s", what)
		}
	}
}

// A close code a client makes up is counted under code="other": a client
// cannot create connections_closed_total series at will, while the codes
// Switchboard sends and the standard ones a peer may send keep their own.
func TestClosedMetricClampsPeerCodes(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	url := n.HTTP.URL + "/metrics"
	ctx := testnode.Ctx(t)
	codes := []websocket.StatusCode{4999, 3123, 4321, websocket.StatusUnsupportedData} // 1003: standard
	for i, code := range codes {
		ws, _, err := websocket.Dial(ctx, n.WS, &websocket.DialOptions{Subprotocols: []string{protocol.Subprotocol}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		hello := fmt.Sprintf(`{"type":"hello","id":"h","name":"peer%d"}`, i)
		if err := ws.Write(ctx, websocket.MessageText, []byte(hello)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ws.Read(ctx); err != nil { // the welcome
			t.Fatal(err)
		}
		ws.Close(code, "bye")
	}
	testnode.WaitFor(t, wait, "every connection to be counted closed", func() bool {
		m := scrape(t, url)
		return metric(m, "switchboard_connections_closed_total", "code", "other") == 3 &&
			metric(m, "switchboard_connections_closed_total", "code", "1003") == 1
	})
	m := scrape(t, url)
	for _, mm := range m["switchboard_connections_closed_total"].Metric {
		for _, l := range mm.Label {
			if v := l.GetValue(); l.GetName() == "code" && (v == "4999" || v == "3123" || v == "4321") {
				t.Errorf("a series for the made-up close code %s", v)
			}
		}
	}
	if got := len(m["switchboard_connections_closed_total"].Metric); got > 20 {
		t.Errorf("%d close-code series, want a fixed small set", got)
	}
}

// Several nodes in one process each have their own registry.
func TestMetricsPerNode(t *testing.T) {
	t.Parallel()
	a := testnode.Start(t, server.Config{})
	b := testnode.Start(t, server.Config{})
	testnode.Dial(t, a.WS, "ann")
	testnode.WaitFor(t, wait, "ann's connection", func() bool { return a.Connections() == 1 })
	if got := metric(scrape(t, a.HTTP.URL+"/metrics"), "switchboard_connections"); got != 1 {
		t.Errorf("node a: %v connections, want 1", got)
	}
	if got := metric(scrape(t, b.HTTP.URL+"/metrics"), "switchboard_connections"); got != 0 {
		t.Errorf("node b: %v connections, want 0", got)
	}
}

// /readyz fails while NATS is down and recovers when it is back (the
// nats_connected gauge follows), and answers 503 as soon as the node
// starts shutting down, while connections are still closing.
func TestReadyzFollowsNATSAndDraining(t *testing.T) {
	t.Parallel()
	storeDir := t.TempDir()
	ext := testnode.NATS(t, storeDir, "127.0.0.1:-1")
	addr := strings.TrimPrefix(ext.ClientURL(), "nats://")
	n := testnode.Start(t, server.Config{NATSURL: ext.ClientURL()})
	natsUp := func() float64 { return metric(scrape(t, n.HTTP.URL+"/metrics"), "switchboard_nats_connected") }
	if code := readyz(t, n); code != http.StatusOK || natsUp() != 1 {
		t.Fatalf("/readyz = %d, nats_connected = %v before the outage", code, natsUp())
	}
	ext.Shutdown()
	testnode.WaitFor(t, wait, "/readyz to fail", func() bool { return readyz(t, n) == http.StatusServiceUnavailable })
	if got := natsUp(); got != 0 {
		t.Errorf("nats_connected = %v while NATS is down", got)
	}
	testnode.NATS(t, storeDir, addr)
	testnode.WaitFor(t, 30*time.Second, "/readyz to recover", func() bool { return readyz(t, n) == http.StatusOK })
	if got := natsUp(); got != 1 {
		t.Errorf("nats_connected = %v after NATS came back", got)
	}

	// A client that never reads holds the shutdown (its closing handshake
	// goes unanswered); /readyz already says 503 meanwhile.
	ctx := testnode.Ctx(t)
	stuck := testnode.DialRaw(t, n.WS)
	stuck.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","id":"h","name":"stuck"}`))
	testnode.WaitFor(t, wait, "the stuck connection", func() bool { return n.Connections() == 1 })
	done := make(chan struct{})
	go func() {
		defer close(done)
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n.Shutdown(sctx, protocol.CloseGoingAway)
	}()
	testnode.WaitFor(t, wait, "/readyz to say draining", func() bool { return readyz(t, n) == http.StatusServiceUnavailable })
	select {
	case <-done:
		t.Error("the shutdown ended before /readyz was checked: the test proves nothing")
	default:
	}
	resp, err := http.Get(n.HTTP.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	bufio.NewReader(resp.Body).WriteTo(&body)
	resp.Body.Close()
	if !strings.Contains(body.String(), "shutting down") {
		t.Errorf("/readyz while draining says %q", body.String())
	}
	stuck.CloseNow()
	<-done
}

// /readyz proves JetStream takes writes, not only that it answers: the
// probe stores this node's entry in the health bucket, and when that bucket
// refuses writes (an operator seals its stream: reads still work, writes
// fail) /readyz says 503 with the reason, while NATS stays connected.
func TestReadyzFailsWhenJetStreamRefusesWrites(t *testing.T) {
	t.Parallel()
	ext := testnode.NATS(t, t.TempDir(), "127.0.0.1:-1")
	n := testnode.Start(t, server.Config{NATSURL: ext.ClientURL(), Node: "ready-a"})
	if code := readyz(t, n); code != http.StatusOK {
		t.Fatalf("/readyz = %d before the writes fail", code)
	}

	nc, js := testnode.JetStream(t, ext.ClientURL())
	ctx := testnode.Ctx(t)
	kv, err := js.KeyValue(ctx, "SWITCHBOARD_HEALTH")
	if err != nil {
		t.Fatalf("the health bucket after /readyz: %v", err)
	}
	e, err := kv.Get(ctx, "ready-a")
	if err != nil {
		t.Fatalf("the node's entry in the health bucket: %v", err)
	}
	if !strings.HasPrefix(string(e.Value()), "ready-a ") {
		t.Errorf("the node's health entry is %q", e.Value())
	}
	// Polling faster than the cache reuses the answer: no write per poll.
	first := e.Revision()
	for range 20 {
		readyz(t, n)
	}
	if e, err := kv.Get(ctx, "ready-a"); err != nil || e.Revision() > first+2 {
		t.Errorf("20 polls in a row wrote the health entry up to revision %d (from %d): %v", e.Revision(), first, err)
	}

	stream, err := js.Stream(ctx, "KV_SWITCHBOARD_HEALTH")
	if err != nil {
		t.Fatal(err)
	}
	cfg := stream.CachedInfo().Config
	cfg.Sealed = true
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatalf("seal the health bucket: %v", err)
	}
	testnode.WaitFor(t, wait, "/readyz to fail while writes fail", func() bool { return readyz(t, n) == http.StatusServiceUnavailable })
	resp, err := http.Get(n.HTTP.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	bufio.NewReader(resp.Body).WriteTo(&body)
	resp.Body.Close()
	if !strings.Contains(body.String(), "not writable") {
		t.Errorf("/readyz while writes fail says %q", body.String())
	}
	if !nc.IsConnected() || metric(scrape(t, n.HTTP.URL+"/metrics"), "switchboard_nats_connected") != 1 {
		t.Error("NATS went down: the test proves nothing about writes")
	}
}

// Every switchboard_* metric the Grafana dashboard in docs/ queries exists.
func TestGrafanaDashboardMatchesMetrics(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	n := testnode.Start(t, server.Config{})
	m := scrape(t, n.HTTP.URL+"/metrics")
	name := regexp.MustCompile(`\b(?:switchboard|go|process)_[a-z_]+`)
	used := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, metricName := range name.FindAllString(target.Expr, -1) {
				used++
				family := strings.TrimSuffix(metricName, "_bucket")
				if m[family] == nil {
					t.Errorf("panel %q queries %s, which /metrics does not have", p.Title, metricName)
				}
			}
		}
	}
	if used < 20 {
		t.Errorf("the dashboard queries only %d metrics", used)
	}
}

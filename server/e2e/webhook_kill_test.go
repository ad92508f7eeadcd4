package e2e

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// `switchboard serve` killed with SIGKILL while its webhook receiver is
// down and 100 events wait: started again on the same data, it delivers
// all 100, signed, none lost, each room's in order.
func TestWebhooksSurviveSIGKILL(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	verify, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	var down atomic.Bool
	down.Store(true)
	var mu sync.Mutex
	attempts := 0
	seen := map[string]bool{}
	var accepted []protocol.WebhookData
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := verify.Verify(body, r.Header); err != nil {
			t.Errorf("unsigned webhook: %v", err)
			w.WriteHeader(401)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		attempts++
		if down.Load() {
			w.WriteHeader(503)
			return
		}
		var b protocol.WebhookBody
		json.Unmarshal(body, &b)
		if id := r.Header.Get("webhook-id"); !seen[id] {
			seen[id] = true
			accepted = append(accepted, b.Data)
		}
	}))
	t.Cleanup(rcv.Close)

	bin := buildSwitchboard(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	data := t.TempDir()
	start := func() *exec.Cmd {
		out := &testnode.Output{}
		cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--web-dir", "none", "--demo-feed=false",
			"--webhook-url", rcv.URL, "--webhook-secret", secret, "--webhook-hold", "1s", "--webhook-events", "message.created",
			"--webhook-min-backoff", "10ms", "--webhook-max-backoff", "50ms", "--webhook-max-attempts", "100000",
			"--messages-per-second", "1000", "--message-burst", "200")
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		testnode.WaitFor(t, 60*time.Second, "the server to serve", func() bool { return strings.Contains(out.String(), "serving at") })
		return cmd
	}
	proc := start()
	ann := testnode.Dial(t, "ws://"+addr+"/ws", "ann")
	const total = 100
	testnode.JoinAndSend(t, ann, []string{"a", "b"}, total)
	testnode.WaitFor(t, 20*time.Second, "attempts while the receiver is down", func() bool { mu.Lock(); defer mu.Unlock(); return attempts >= 3 })
	if err := proc.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	proc.Wait()
	ann.Close()
	down.Store(false)
	start()
	testnode.WaitFor(t, 60*time.Second, "all 100 events after the restart", func() bool { mu.Lock(); defer mu.Unlock(); return len(accepted) >= total })
	mu.Lock()
	defer mu.Unlock()
	last := map[string]uint64{}
	for _, d := range accepted {
		if d.Offset <= last[d.Room] {
			t.Errorf("room %s: offset %d after %d", d.Room, d.Offset, last[d.Room])
		}
		last[d.Room] = d.Offset
	}
	if len(accepted) != total || last["a"] != total/2 || last["b"] != total/2 {
		t.Errorf("%d events accepted, up to a:%d b:%d; want %d, each room's %d", len(accepted), last["a"], last["b"], total, total/2)
	}
}

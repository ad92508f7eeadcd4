package loadgen

import (
	"strings"
	"testing"
	"time"
)

// Every receiver counts each stamped message of the current phase once,
// however many a frame holds and whichever server framed them, and a frame
// that held any counts once.
func TestReceiveFrame(t *testing.T) {
	sent := time.Now().Add(-3 * time.Millisecond)
	s1, s2, old := stamp(1, sent), stamp(1, sent), stamp(0, sent)
	cmd := func(text string) string { return `{"type":"send","id":"b1","room":"r","text":"` + text + `"}` }
	ev := func(text string) string {
		return `{"type":"message","room":"r","epoch":"e","offset":7,"id":"x-1","user":{"id":"u1","name":"w2u0"},"text":"` + text + `","ts":1}`
	}
	for _, c := range []struct {
		name   string
		frame  string
		marker []byte
		found  int
		want   int
	}{
		{"switchboard event", ev(s1), jsonStamp, 1, 1},
		{"switchboard batch", `{"type":"batch","events":[` + ev(s1) + "," + ev(s2) + "," + ev(old) + `]}`, jsonStamp, 3, 2},
		{"baseline command", cmd(s1), jsonStamp, 1, 1},
		{"gorilla lines", cmd(s1) + "\n" + cmd(s2) + "\n" + cmd(s1), jsonStamp, 3, 3},
		{"text line", "w2u0: " + s1, lineStamp, 1, 1},
		{"text lines", "w2u0: " + s1 + "\n* w2u5 joined\nw2u0: " + s2, lineStamp, 2, 2},
		{"earlier phase only", ev(old), jsonStamp, 1, 0},
		{"no stamp", `{"type":"message","text":"pizza tonight?"}`, jsonStamp, 0, 0},
		{"text error line", "* error rate_limited: please slow down", lineStamp, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var tr traffic
			p := &phase{id: 1}
			tr.cur.Store(p)
			found, got, n := tr.receiveFrame([]byte(c.frame), c.marker)
			if found != c.found || n != c.want || got != p {
				t.Fatalf("found %d, counted %d in %p; want %d, %d in %p", found, n, got, c.found, c.want, p)
			}
			if p.received.Load() != int64(c.want) || p.lat.count() != uint64(c.want) {
				t.Errorf("received %d, latencies %d; want %d", p.received.Load(), p.lat.count(), c.want)
			}
			wantFrames := int64(0)
			if c.want > 0 {
				wantFrames = 1
				if lat := p.lat.summary().Max; lat < 3*time.Millisecond || lat > time.Minute {
					t.Errorf("latency %v, want about 3 ms", lat)
				}
			}
			if p.frames.Load() != wantFrames {
				t.Errorf("frames %d, want %d", p.frames.Load(), wantFrames)
			}
		})
	}
}

// The Switchboard hook takes only frames of messages (and acks); anything
// else, an answer that Join waits for above all, goes to the decoder.
func TestOnlyMessages(t *testing.T) {
	for frame, want := range map[string]bool{
		`{"type":"message","room":"r","text":"p1 1 x"}`:                                        true,
		`{"type":"batch","events":[{"type":"message"},{"type":"ack","ref":"a-1"}]}`:            true,
		`{"type":"ack","ref":"a-1","room":"r","offset":3}`:                                     true,
		`{"type":"joined","ref":"a-2","room":"r","events":[{"type":"message","text":"p1 1"}]}`: false,
		`{"type":"batch","events":[{"type":"message"},{"type":"error","error":{"code":"x"}}]}`: false,
		`{"type":"batch","events":[{"type":"presence","room":"r"},{"type":"message"}]}`:        false,
		`{"type":"closing","code":1001,"text":"policy"}`:                                       false,
		`{"type":"message","attachment":{"id":"f","type":"image/png"},"text":"p1 1"}`:          false,
		`{"type":"mess`: false,
	} {
		if got := onlyMessages([]byte(frame)); got != want {
			t.Errorf("onlyMessages(%s) = %v, want %v", frame, got, want)
		}
	}
}

func TestParseStampBytes(t *testing.T) {
	for _, c := range []struct {
		in    string
		phase int
		sent  int64
		ok    bool
	}{
		{"p12 1700000000123456789 the quick", 12, 1700000000123456789, true},
		{`p3 42","ts":1}`, 3, 42, true},
		{"p3 42\n{", 3, 42, true},
		{"p3 42", 3, 42, true},
		{"p 42", 0, 0, false},
		{"p3  42", 0, 0, false},
		{"p3 42x", 0, 0, false},
		{"p3", 0, 0, false},
		{"q3 42", 0, 0, false},
		{"p3 " + strings.Repeat("9", 20), 0, 0, false},
		{"p99999999999 1", 0, 0, false},
	} {
		phase, sent, ok := parseStampBytes([]byte(c.in))
		if phase != c.phase || sent != c.sent || ok != c.ok {
			t.Errorf("parseStampBytes(%q) = %d, %d, %v; want %d, %d, %v", c.in, phase, sent, ok, c.phase, c.sent, c.ok)
		}
	}
}

// FuzzParseStampBytes: any input parses or not without panicking, and a
// stamp made by stamp reads back as made, whatever follows it.
func FuzzParseStampBytes(f *testing.F) {
	f.Add([]byte("p1 1700000000123456789 x"), 3, int64(1700000000123456789))
	f.Add([]byte(`"text":"p`), 0, int64(0))
	f.Fuzz(func(t *testing.T, b []byte, phase int, ns int64) {
		parseStampBytes(b)
		if phase < 0 || phase > 1<<30 || ns < 0 {
			return
		}
		s := stamp(phase, time.Unix(0, ns))
		gotPhase, gotNS, ok := parseStampBytes([]byte(s))
		if !ok || gotPhase != phase || gotNS != ns {
			t.Fatalf("parseStampBytes(%q) = %d, %d, %v", s, gotPhase, gotNS, ok)
		}
	})
}

// BenchmarkReceiveFrame: what a Switchboard member pays for a W2 batch of
// 40 messages (screening it, then counting its stamps).
func BenchmarkReceiveFrame(b *testing.B) {
	sent := time.Now()
	var events []string
	for i := range 40 {
		events = append(events, `{"type":"message","room":"w2","epoch":"e7x","offset":`+strings.Repeat("7", 1+i%5)+
			`,"id":"aX-`+strings.Repeat("1", 1+i%3)+`","user":{"id":"u1","name":"w2u0"},"text":"`+stamp(1, sent)+`","ts":1733420000000}`)
	}
	frame := []byte(`{"type":"batch","events":[` + strings.Join(events, ",") + `]}`)
	var tr traffic
	tr.cur.Store(&phase{id: 1})
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if !onlyMessages(frame) {
			b.Fatal("not only messages")
		}
		if found, _, _ := tr.receiveFrame(frame, jsonStamp); found != 40 {
			b.Fatalf("found %d", found)
		}
	}
}

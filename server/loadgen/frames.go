package loadgen

import (
	"bytes"
	"math"
	"time"
)

// Every receiver counts the same way, whatever the server: it looks for
// the stamps (see stamp) in each frame, however many messages the frame
// holds, without decoding it. A Switchboard frame holds one event or a
// batch {"type":"batch","events":[…]}; a baseline frame one send command;
// a gorilla frame one or more send commands joined by newlines; a /text
// frame one or more lines "name: text". Stamps are ASCII and have nothing
// JSON escapes, so they appear in a frame byte for byte.
var (
	// jsonStamp starts a stamp in a JSON event or command: the end of the
	// text field's key and the stamp's "p". JSON escapes every quote
	// inside a string, so it cannot occur inside a value, and "text" is
	// the only key of the protocol ending in "xt". It starts with a byte
	// that is rare in JSON (a quote, frequent, would make bytes.Index stop
	// at every key and value: a third of the time a receiver spends on a
	// W2 batch).
	jsonStamp = []byte(`xt":"p`)
	// lineStamp starts a stamp in a /text line "name: text".
	lineStamp = []byte(": p")
)

// receiveFrame counts the messages of the current phase in frame, each
// found by marker (jsonStamp or lineStamp) followed by a stamp, and
// records their latencies, all against one clock reading. It returns how
// many stamps it found (of any phase), the current phase (nil if none),
// and how many messages it counted in it; a frame with at least one counts
// as one of the phase's frames.
func (tr *traffic) receiveFrame(frame, marker []byte) (found int, p *phase, counted int) {
	p = tr.cur.Load()
	var now time.Time
	for rest := frame; ; {
		i := bytes.Index(rest, marker)
		if i < 0 {
			break
		}
		// The stamp starts at the marker's last byte, its "p".
		rest = rest[i+len(marker)-1:]
		id, sent, ok := parseStampBytes(rest)
		rest = rest[1:]
		if !ok {
			continue
		}
		found++
		if p == nil || id != p.id {
			continue
		}
		if counted == 0 {
			now = time.Now()
		}
		p.lat.record(now.Sub(time.Unix(0, sent)))
		counted++
	}
	if counted > 0 {
		p.received.Add(int64(counted))
		p.frames.Add(1)
	}
	return found, p, counted
}

// sbFrameHook is a Switchboard member's client.Options.OnFrame: it counts
// the messages of a frame that holds only message events (and acks of the
// member's own sends, which nobody waits for) and consumes it. Any other
// frame goes on to the client's decoder: a joined answer (a Join waits for
// it, and its history is not a delivery), an error (the member reports
// its code), presence, closing.
func sbFrameHook(tr *traffic) func([]byte) bool {
	return func(frame []byte) bool {
		if !onlyMessages(frame) {
			return false
		}
		found, _, _ := tr.receiveFrame(frame, jsonStamp)
		return found > 0
	}
}

// typeKey starts the type of a Switchboard event: every event has one, the
// first field of its object; nothing else in an event of the kinds below
// has a "type" key, and no other key ends in "ype" (the marker starts
// with a rare byte, as jsonStamp does).
var typeKey = []byte(`ype":"`)

// onlyMessages reports whether every event in a Switchboard frame is a
// message, an ack or a batch of them.
func onlyMessages(frame []byte) bool {
	for rest := frame; ; {
		i := bytes.Index(rest, typeKey)
		if i < 0 {
			return true
		}
		rest = rest[i+len(typeKey):]
		end := bytes.IndexByte(rest, '"')
		if end < 0 {
			return false
		}
		switch string(rest[:end]) { // no allocation: compared, not kept
		case "message", "batch", "ack":
		default:
			return false
		}
		rest = rest[end:]
	}
}

// parseStampBytes reads a stamp ("p<phase> <unix nanoseconds>", then a
// space, a quote, a newline or the end) at the start of b.
func parseStampBytes(b []byte) (phase int, sent int64, ok bool) {
	if len(b) < 2 || b[0] != 'p' {
		return 0, 0, false
	}
	i := 1
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		phase = phase*10 + int(b[i]-'0')
		if phase > 1<<30 {
			return 0, 0, false
		}
	}
	if i == 1 || i >= len(b) || b[i] != ' ' {
		return 0, 0, false
	}
	i++
	start := i
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := int64(b[i] - '0')
		if sent > (math.MaxInt64-d)/10 {
			return 0, 0, false
		}
		sent = sent*10 + d
	}
	if i == start {
		return 0, 0, false
	}
	if i < len(b) {
		switch b[i] {
		case ' ', '"', '\n':
		default:
			return 0, 0, false
		}
	}
	return phase, sent, true
}

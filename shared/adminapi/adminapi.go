// Package adminapi is the admin HTTP API behind the operator's dashboard
// (/admin): its paths, the JSON types the server encodes and the dashboard
// decodes, the validation of actions (run on both sides), and the arithmetic
// the dashboard does on what it polls (rates, latency quantiles).
//
// Every request carries "Authorization: Bearer <credential>": the server's
// admin token, or a site JWT with role admin. Errors come as ErrorBody with
// a protocol error code: 401 token_invalid without valid credentials, 403
// forbidden for a valid token without the admin role, 400 for bad input,
// 503 unavailable when the store cannot be reached.
package adminapi

import (
	"errors"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Paths of the API. A room's paths are RoomPath(room) and RoomPath(room) +
// one of the action suffixes, all POST except the room itself (GET).
const (
	PathStats  = "/admin/api/stats"
	PathRooms  = "/admin/api/rooms/"
	SuffixNote = "/notice"
	SuffixKick = "/kick"
	SuffixShut = "/close"
)

// RoomPath is the path of room's members.
func RoomPath(room string) string { return PathRooms + room }

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 16 << 10

// Stats answers GET PathStats: every node's own figures (each node answers
// for itself over NATS) and the cluster's active rooms.
type Stats struct {
	// Time is when the answering node built the answer (Unix ms).
	Time int64 `json:"ts"`
	// Node is the node that answered the request.
	Node string `json:"node"`
	// Nodes lists the nodes that answered, by name.
	Nodes []NodeStats `json:"nodes"`
	// Rooms are the cluster's active rooms, busiest first.
	Rooms []protocol.RoomInfo `json:"rooms"`
}

// NodeStats are one node's figures. Counters are totals since the node
// started; the dashboard turns them into rates.
type NodeStats struct {
	Node              string    `json:"node"`
	Connections       int       `json:"connections"`
	Rooms             int       `json:"rooms"`
	Members           int       `json:"members"`
	MessagesReceived  uint64    `json:"received"`
	MessagesStored    uint64    `json:"stored"`
	MessagesDelivered uint64    `json:"delivered"`
	Delivery          Histogram `json:"delivery"`
	NATSConnected     bool      `json:"nats"`
	Draining          bool      `json:"draining,omitempty"`
}

// Total adds up the nodes' figures (Node is "cluster").
func (s Stats) Total() NodeStats {
	t := NodeStats{Node: "cluster", NATSConnected: len(s.Nodes) > 0}
	for _, n := range s.Nodes {
		t.Connections += n.Connections
		t.Rooms += n.Rooms
		t.Members += n.Members
		t.MessagesReceived += n.MessagesReceived
		t.MessagesStored += n.MessagesStored
		t.MessagesDelivered += n.MessagesDelivered
		t.Delivery = t.Delivery.Add(n.Delivery)
		t.NATSConnected = t.NATSConnected && n.NATSConnected
		t.Draining = t.Draining || n.Draining
	}
	return t
}

// RoomMembers answers GET RoomPath(room): the people in the room on every
// node, one entry per person and node.
type RoomMembers struct {
	Room    string   `json:"room"`
	Members []Member `json:"members"`
}

// Member is a person in a room through one node.
type Member struct {
	protocol.User
	Node  string `json:"node"`
	Conns int    `json:"conns"`
}

// Action is the body of a POST to a room's action: Text is the notice
// (required), or the reason shown to whoever is removed (kick, close);
// User is the user id of the person to kick.
type Action struct {
	User string `json:"user,omitempty"`
	Text string `json:"text,omitempty"`
}

// Validate checks a for the action named by suffix (SuffixNote,
// SuffixKick, SuffixShut).
func (a Action) Validate(suffix string) *protocol.Error {
	switch suffix {
	case SuffixNote:
		if a.User != "" {
			return protocol.Errorf(protocol.CodeBadRequest, "a notice has no user")
		}
		return protocol.ValidateText(a.Text)
	case SuffixKick:
		if protocol.ValidateID(a.User) != nil {
			return protocol.Errorf(protocol.CodeBadRequest, "kick needs the person's user id")
		}
	case SuffixShut:
		if a.User != "" {
			return protocol.Errorf(protocol.CodeBadRequest, "closing a room removes everyone: give no user")
		}
	default:
		return protocol.Errorf(protocol.CodeUnknownType, "unknown action %q", suffix)
	}
	if a.Text != "" {
		return protocol.ValidateText(a.Text)
	}
	return nil
}

// Done answers a successful action. Offset is where a notice was stored.
type Done struct {
	OK     bool   `json:"ok"`
	Offset uint64 `json:"offset,omitempty"`
}

// ErrorBody is the body of every error answer.
type ErrorBody struct {
	Error *protocol.Error `json:"error"`
}

// Histogram is a cumulative latency histogram in seconds: Counts[i]
// observations were at most Bounds[i]; Count and Sum cover all of them.
type Histogram struct {
	Bounds []float64 `json:"le,omitempty"`
	Counts []uint64  `json:"counts,omitempty"`
	Count  uint64    `json:"count"`
	Sum    float64   `json:"sum"`
}

var errBounds = errors.New("adminapi: histograms with different buckets")

// Add returns the sum of h and o (histograms of different nodes). A zero
// histogram adds nothing.
func (h Histogram) Add(o Histogram) Histogram {
	if len(h.Bounds) == 0 {
		return o.clone()
	}
	if len(o.Bounds) == 0 {
		return h.clone()
	}
	r, err := h.combine(o, 1)
	if err != nil {
		return h.clone()
	}
	return r
}

// Since returns the observations of h made after prev (an earlier reading
// of the same histogram).
func (h Histogram) Since(prev Histogram) Histogram {
	if len(prev.Bounds) == 0 {
		return h.clone()
	}
	r, err := h.combine(prev, -1)
	if err != nil {
		return h.clone()
	}
	return r
}

func (h Histogram) combine(o Histogram, sign int) (Histogram, error) {
	if len(h.Bounds) != len(o.Bounds) || len(h.Counts) != len(o.Counts) {
		return Histogram{}, errBounds
	}
	r := Histogram{Bounds: h.Bounds, Counts: make([]uint64, len(h.Counts))}
	for i := range h.Bounds {
		if h.Bounds[i] != o.Bounds[i] {
			return Histogram{}, errBounds
		}
		r.Counts[i] = apply(h.Counts[i], o.Counts[i], sign)
	}
	r.Count = apply(h.Count, o.Count, sign)
	r.Sum = h.Sum + float64(sign)*o.Sum
	return r, nil
}

func apply(a, b uint64, sign int) uint64 {
	if sign > 0 {
		return a + b
	}
	if b > a {
		return 0 // a counter reset (the node restarted)
	}
	return a - b
}

func (h Histogram) clone() Histogram {
	h.Bounds = append([]float64(nil), h.Bounds...)
	h.Counts = append([]uint64(nil), h.Counts...)
	return h
}

// Quantile estimates the q-quantile (0 < q < 1) in seconds by linear
// interpolation within its bucket, as Prometheus' histogram_quantile does.
// ok is false without observations. Beyond the last bound it answers that
// bound.
func (h Histogram) Quantile(q float64) (v float64, ok bool) {
	if h.Count == 0 || len(h.Bounds) == 0 {
		return 0, false
	}
	rank := q * float64(h.Count)
	var lower float64
	var below uint64
	for i, bound := range h.Bounds {
		c := h.Counts[i]
		if float64(c) >= rank {
			in := c - below
			if in == 0 {
				return bound, true
			}
			return lower + (bound-lower)*(rank-float64(below))/float64(in), true
		}
		lower, below = bound, c
	}
	return h.Bounds[len(h.Bounds)-1], true
}

// Paths of the webhook's dead letters (GET) and of a retry of one (POST
// with a Retry body).
const (
	PathDeadLetters = "/admin/api/webhook/dead-letters"
	PathRetry       = "/admin/api/webhook/retry"
)

// DeadLetters answers GET PathDeadLetters: the events the webhook gave up
// on (oldest first, at most MaxDeadLetters), from any node.
type DeadLetters struct {
	// Enabled: the server has a webhook; without one the list is empty.
	Enabled bool         `json:"enabled"`
	Letters []DeadLetter `json:"letters"`
}

// MaxDeadLetters bounds the list one request returns.
const MaxDeadLetters = 100

// DeadLetter is one event the webhook gave up on.
type DeadLetter struct {
	// Seq names it for a Retry.
	Seq uint64 `json:"seq"`
	// Webhook names the webhook that gave it up.
	Webhook string `json:"webhook"`
	// ID is its webhook-id, as the receiver saw it.
	ID     string               `json:"id"`
	Type   protocol.WebhookType `json:"type"`
	Room   string               `json:"room"`
	Offset uint64               `json:"offset"`
	// Reason is why it was given up (the last attempt's error).
	Reason string `json:"reason"`
	// Time is when it was given up (Unix ms).
	Time int64 `json:"ts"`
}

// Retry asks, in POST PathRetry, to send dead letter Seq again now: once,
// answered with the outcome; delivered, it leaves the dead letters.
type Retry struct {
	Seq uint64 `json:"seq"`
}

// Validate checks a Retry.
func (r Retry) Validate() *protocol.Error {
	if r.Seq == 0 {
		return protocol.Errorf(protocol.CodeBadRequest, "seq names the dead letter to retry (1 or more)")
	}
	return nil
}

// Package metrics holds a Switchboard node's Prometheus metrics: one
// registry per node (several nodes can run in one process, as tests do),
// and the collectors the gateway, hub and broker update on their hot paths.
//
// Every labelled series is resolved once, in New, so updating a metric on a
// hot path is one atomic operation: no label lookup, no allocation. A nil
// *Metrics is not allowed; packages that are given none make their own with
// New(false), which registers nowhere.
package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/switchboard-rt/switchboard/server/hook"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/webhook"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Namespace prefixes every metric name.
const Namespace = "switchboard"

// latencyBuckets (seconds) suit both the store round trip (sub-millisecond
// on one machine) and end-to-end delivery (tens of milliseconds across a
// cluster under load).
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// closeCodes are the close codes a Switchboard server uses itself; their
// series exist from the start (at zero) so dashboards and alerts see them.
var closeCodes = []protocol.CloseCode{
	protocol.CloseNormal, protocol.CloseGoingAway, protocol.CloseFrameError, protocol.CloseInvalidData, protocol.ClosePolicy,
	protocol.CloseTooBig, protocol.CloseInternal, protocol.CloseRestart, protocol.CloseTryAgainLater,
	protocol.CloseSlowConsumer, protocol.CloseHeartbeatTimeout, protocol.CloseHelloTimeout,
	protocol.CloseProtocolViolation, protocol.CloseUnauthorized, protocol.CloseTokenExpired,
}

// peerCloseCodes are the other standard codes (RFC 6455, section 7.4.1) a
// peer may send in a close frame. With closeCodes they are the only codes
// that keep their own series: any other code a peer sends (3000-4999 are
// the peer's to choose) is counted as otherCloseCode, so a client cannot
// create label series at will.
var peerCloseCodes = []protocol.CloseCode{1002, 1003, 1010, 1014}

// otherCloseCode labels every close code not in closeCodes or peerCloseCodes.
const otherCloseCode = "other"

// Metrics are one node's collectors. The fields are safe for concurrent use
// (Prometheus collectors are). Counters only go up; gauges are kept exact
// by their single owner (gateway: connections; hub: rooms and members).
type Metrics struct {
	// Registry holds every collector below, the Go runtime's and the
	// process's. Nil when New was given no registerer.
	Registry *prometheus.Registry

	// Connections is the number of open protocol connections (gateway).
	Connections prometheus.Gauge
	// ConnectionsOpened counts accepted WebSocket handshakes (gateway).
	ConnectionsOpened prometheus.Counter
	closedVec         *prometheus.CounterVec
	closed            map[protocol.CloseCode]prometheus.Counter // read-only after New
	closedOther       prometheus.Counter                        // code="other"

	// Rooms is the number of rooms with members on this node; Members the
	// number of (connection, room) memberships on this node (hub).
	Rooms   prometheus.Gauge
	Members prometheus.Gauge

	// MessagesReceived counts sends, edits and deletes accepted from
	// clients (gateway, after rate limits); MessagesStored the events this
	// node stored (broker); MessagesDelivered the stored events queued to
	// local connections, one per connection (hub).
	MessagesReceived  prometheus.Counter
	MessagesStored    prometheus.Counter
	MessagesDelivered prometheus.Counter

	// BytesIn and BytesOut count WebSocket payload bytes read from and
	// written to clients (gateway).
	BytesIn  prometheus.Counter
	BytesOut prometheus.Counter

	// QueueDrops counts frames dropped because a connection's mailbox was
	// full; SlowDisconnects the connections closed for it (4000).
	QueueDrops      prometheus.Counter
	SlowDisconnects prometheus.Counter

	// RateLimited* count refusals by each limit (gateway).
	RateLimitedMessages   prometheus.Counter
	RateLimitedJoins      prometheus.Counter
	RateLimitedHandshakes prometheus.Counter

	// StoreSeconds is the time JetStream took to store an event (broker).
	StoreSeconds prometheus.Histogram
	// DeliverySeconds is the time from a send being accepted to the stored
	// event reaching this node's fan-out, observed once per event per node
	// (hub). Across nodes it includes their clock difference.
	DeliverySeconds prometheus.Histogram

	// ResumesRecovered and ResumesLost count joins that asked to resume
	// from a position: everything missed followed, or the client had to
	// reload (recovered=false).
	ResumesRecovered prometheus.Counter
	ResumesLost      prometheus.Counter

	// Webhooks (server/webhook), by webhook (its name): events a
	// receiver accepted, failed attempts, events given up to the dead
	// letters, and the time of each accepted attempt.
	WebhooksDelivered  *prometheus.CounterVec
	WebhookFailures    *prometheus.CounterVec
	WebhookDeadLetters *prometheus.CounterVec
	WebhookSeconds     *prometheus.HistogramVec

	// Hooks (server/hook): calls by outcome and the time of answered ones.
	HookAllowed, HookRefused, HookFailed, HookCached prometheus.Counter
	HookSeconds                                      prometheus.Histogram
}

// New makes a node's collectors and registers them, with the Go and
// process collectors, in a new registry (exposed as Registry). With
// register false nothing is registered (for packages used without a node).
func New(register bool) *Metrics {
	m := &Metrics{
		Connections:       gauge("connections", "Open protocol connections."),
		ConnectionsOpened: counter("connections_opened_total", "Accepted WebSocket handshakes."),
		closedVec: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "connections_closed_total",
			Help: "Closed protocol connections, by WebSocket close code.",
		}, []string{"code"}),
		closed:             make(map[protocol.CloseCode]prometheus.Counter, len(closeCodes)+len(peerCloseCodes)),
		Rooms:              gauge("rooms", "Rooms with members on this node."),
		Members:            gauge("room_members", "Room memberships (connection, room) on this node."),
		MessagesReceived:   counter("messages_received_total", "Sends, edits and deletes accepted from clients."),
		MessagesStored:     counter("messages_stored_total", "Events this node stored in JetStream."),
		MessagesDelivered:  counter("messages_delivered_total", "Stored events queued to local connections (one per connection)."),
		BytesIn:            counter("bytes_in_total", "WebSocket payload bytes read from clients."),
		BytesOut:           counter("bytes_out_total", "WebSocket payload bytes written to clients."),
		QueueDrops:         counter("queue_drops_total", "Frames dropped because a connection's mailbox was full."),
		SlowDisconnects:    counter("slow_client_disconnects_total", "Connections closed as slow consumers (4000)."),
		StoreSeconds:       histogram("store_seconds", "Time JetStream took to store an event."),
		DeliverySeconds:    histogram("delivery_seconds", "Time from a send being accepted to the stored event reaching this node's fan-out."),
		WebhooksDelivered:  counterVec("webhooks_delivered_total", "Events a webhook receiver accepted (2xx), by webhook.", "webhook"),
		WebhookFailures:    counterVec("webhook_failures_total", "Failed webhook attempts (each retried, or dead-lettered), by webhook.", "webhook"),
		WebhookDeadLetters: counterVec("webhook_dead_letters_total", "Events a webhook gave up after its retry budget, by webhook.", "webhook"),
		WebhookSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "webhook_seconds", Help: "Time of each accepted webhook request, by webhook.", Buckets: latencyBuckets,
		}, []string{"webhook"}),
	}
	limited := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "rate_limited_total",
		Help: "Requests refused by a rate limit, by limit.",
	}, []string{"limit"})
	m.RateLimitedMessages = limited.WithLabelValues("messages")
	m.RateLimitedJoins = limited.WithLabelValues("joins")
	m.RateLimitedHandshakes = limited.WithLabelValues("handshakes")
	hookCalls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "hook_calls_total",
		Help: "Hook answers (connect, join, publish), by outcome: allowed, refused, failed (then decided by the failure policy), cached.",
	}, []string{"outcome"})
	m.HookAllowed, m.HookRefused = hookCalls.WithLabelValues("allowed"), hookCalls.WithLabelValues("refused")
	m.HookFailed, m.HookCached = hookCalls.WithLabelValues("failed"), hookCalls.WithLabelValues("cached")
	m.HookSeconds = histogram("hook_seconds", "Time of each answered hook call.")
	resumes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "resumes_total",
		Help: "Joins that asked to resume from a position, by outcome.",
	}, []string{"recovered"})
	m.ResumesRecovered = resumes.WithLabelValues("true")
	m.ResumesLost = resumes.WithLabelValues("false")
	for _, codes := range [][]protocol.CloseCode{closeCodes, peerCloseCodes} {
		for _, c := range codes {
			m.closed[c] = m.closedVec.WithLabelValues(strconv.Itoa(int(c)))
		}
	}
	m.closedOther = m.closedVec.WithLabelValues(otherCloseCode)
	if !register {
		return m
	}
	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.Connections, m.ConnectionsOpened, m.closedVec, m.Rooms, m.Members,
		m.MessagesReceived, m.MessagesStored, m.MessagesDelivered, m.BytesIn, m.BytesOut,
		m.QueueDrops, m.SlowDisconnects, limited, m.StoreSeconds, m.DeliverySeconds, resumes,
		m.WebhooksDelivered, m.WebhookFailures, m.WebhookDeadLetters, m.WebhookSeconds,
		hookCalls, m.HookSeconds,
	)
	return m
}

// Closed counts one connection closed with code. The label is the code for
// the codes Switchboard sends and the other standard ones, and "other" for
// any code a peer made up: the number of series stays fixed.
func (m *Metrics) Closed(code protocol.CloseCode) {
	if c, ok := m.closed[code]; ok {
		c.Inc()
		return
	}
	m.closedOther.Inc()
}

// AddFunc registers a gauge whose value f computes at each scrape (for
// state another component owns, such as the NATS connection). It does
// nothing without a registry.
func (m *Metrics) AddFunc(name, help string, f func() float64) {
	if m.Registry == nil {
		return
	}
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: Namespace, Name: name, Help: help,
	}, f))
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help})
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
}

func histogram(name, help string) prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Name: name, Help: help, Buckets: latencyBuckets,
	})
}

// Hub returns the collectors the hub updates, as its Metrics.
func (m *Metrics) Hub() hub.Metrics {
	return hub.Metrics{
		Rooms: m.Rooms, Members: m.Members,
		MessagesDelivered: m.MessagesDelivered, DeliverySeconds: m.DeliverySeconds,
		ResumesRecovered: m.ResumesRecovered, ResumesLost: m.ResumesLost,
	}
}

// Webhook returns the collectors the deliverer of webhook name updates.
func (m *Metrics) Webhook(name string) webhook.Metrics {
	return webhook.Metrics{
		Delivered: m.WebhooksDelivered.WithLabelValues(name), Failed: m.WebhookFailures.WithLabelValues(name),
		DeadLetters: m.WebhookDeadLetters.WithLabelValues(name), Seconds: m.WebhookSeconds.WithLabelValues(name),
	}
}

// Hook returns the collectors a hook client updates.
func (m *Metrics) Hook() hook.Metrics {
	return hook.Metrics{
		Allowed: m.HookAllowed, Refused: m.HookRefused, Failed: m.HookFailed,
		Cached: m.HookCached, Seconds: m.HookSeconds,
	}
}

// Package admin serves the admin HTTP API behind the operator's dashboard
// (shared/adminapi): cluster-wide stats, a room's members with their node,
// and the actions notice, kick and close. Each node answers for itself over
// the broker (Bus), so any node can serve the whole cluster's view.
package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/server/identity"
	"github.com/switchboard-rt/switchboard/server/metrics"
	"github.com/switchboard-rt/switchboard/shared/adminapi"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Topics the nodes answer on the Bus.
const (
	topicStats   = "stats"
	topicMembers = "members"
)

// Bus carries questions to every node and their answers back
// (broker.Broker implements it over NATS).
type Bus interface {
	Answer(topic string, fn func(question []byte) []byte) (hub.Subscription, error)
	Ask(ctx context.Context, topic string, question []byte, want int, wait time.Duration) ([][]byte, error)
}

// Options configure an API. Node, Hub, Bus and Metrics are required.
type Options struct {
	Node    string
	Hub     *hub.Hub
	Bus     Bus
	Metrics *metrics.Metrics
	// Tokens verifies site JWTs; those with role admin may use the API.
	// Nil: no JWT is accepted.
	Tokens *identity.Tokens
	// Token is the server's admin token; empty: none.
	Token string
	// Status reports this node's NATS connection and whether it is
	// draining (shutting down).
	Status func() (natsConnected, draining bool)
	// AskTimeout bounds how long a request waits for the other nodes'
	// answers. Default 500 ms.
	AskTimeout time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Webhook lists and retries the webhook's dead letters; nil without
	// a webhook.
	Webhook Webhook
}

// Webhook is what the API needs of the node's webhook.
type Webhook interface {
	DeadLetters(ctx context.Context, limit int) ([]adminapi.DeadLetter, error)
	// Retry sends dead letter seq once; delivered, it is removed.
	// ErrNoDeadLetter (or an error wrapping it) for an unknown seq.
	Retry(ctx context.Context, seq uint64) error
}

// ErrNoDeadLetter is what Webhook.Retry returns for an unknown seq.
var ErrNoDeadLetter = errors.New("no such dead letter")

// API is one node's admin API. Create it with New and stop it with Close.
type API struct {
	opts Options
	log  *slog.Logger
	subs []hub.Subscription
}

// New starts answering the other nodes' questions and returns the API.
func New(opts Options) (*API, error) {
	if opts.AskTimeout <= 0 {
		opts.AskTimeout = 500 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Status == nil {
		opts.Status = func() (bool, bool) { return true, false }
	}
	a := &API{opts: opts, log: opts.Logger}
	for topic, fn := range map[string]func([]byte) []byte{
		topicStats:   a.answerStats,
		topicMembers: a.answerMembers,
	} {
		s, err := opts.Bus.Answer(topic, fn)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.subs = append(a.subs, s)
	}
	return a, nil
}

// Close stops answering.
func (a *API) Close() {
	for _, s := range a.subs {
		s.Unsubscribe()
	}
	a.subs = nil
}

// local is this node's own figures.
func (a *API) local() adminapi.NodeStats {
	s := a.opts.Metrics.Snapshot()
	nats, draining := a.opts.Status()
	return adminapi.NodeStats{
		Node: a.opts.Node, Connections: s.Connections, Rooms: s.Rooms, Members: s.Members,
		MessagesReceived: s.MessagesReceived, MessagesStored: s.MessagesStored,
		MessagesDelivered: s.MessagesDelivered, NATSConnected: nats, Draining: draining,
		Delivery: adminapi.Histogram{
			Bounds: s.Delivery.Bounds, Counts: s.Delivery.Counts,
			Count: s.Delivery.Count, Sum: s.Delivery.Sum,
		},
	}
}

func (a *API) answerStats([]byte) []byte {
	data, _ := json.Marshal(a.local())
	return data
}

func (a *API) answerMembers(room []byte) []byte {
	var list []adminapi.Member
	for _, m := range a.opts.Hub.LocalMembers(string(room)) {
		list = append(list, adminapi.Member{User: m.User, Node: a.opts.Node, Conns: m.Conns})
	}
	data, _ := json.Marshal(list)
	return data
}

// want is how many answers to wait for: every node the directory knows.
func (a *API) want() int { return max(1, len(a.opts.Hub.Nodes())) }

// Stats answers GET adminapi.PathStats.
func (a *API) Stats() http.Handler {
	return a.authorized(func(w http.ResponseWriter, r *http.Request, _ string) {
		answers, err := a.opts.Bus.Ask(r.Context(), topicStats, nil, a.want(), a.opts.AskTimeout)
		if err != nil {
			a.log.Warn("admin stats: ask the nodes", "err", err)
		}
		out := adminapi.Stats{Time: time.Now().UnixMilli(), Node: a.opts.Node, Rooms: a.opts.Hub.Rooms()}
		seen := map[string]bool{}
		for _, data := range answers {
			var n adminapi.NodeStats
			if json.Unmarshal(data, &n) == nil && n.Node != "" && !seen[n.Node] {
				seen[n.Node] = true
				out.Nodes = append(out.Nodes, n)
			}
		}
		if !seen[a.opts.Node] {
			// NATS is down: this node still answers for itself.
			out.Nodes = append(out.Nodes, a.local())
		}
		slices.SortFunc(out.Nodes, func(x, y adminapi.NodeStats) int { return strings.Compare(x.Node, y.Node) })
		if out.Rooms == nil {
			out.Rooms = []protocol.RoomInfo{}
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// Room answers GET adminapi.RoomPath(room): its members on every node.
func (a *API) Room() http.Handler {
	return a.authorized(func(w http.ResponseWriter, r *http.Request, _ string) {
		room := r.PathValue("room")
		if perr := protocol.ValidateRoom(room); perr != nil {
			writeError(w, http.StatusBadRequest, perr)
			return
		}
		answers, err := a.opts.Bus.Ask(r.Context(), topicMembers, []byte(room), a.want(), a.opts.AskTimeout)
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, protocol.Errorf(protocol.CodeUnavailable, "the other nodes cannot be reached"))
			return
		}
		out := adminapi.RoomMembers{Room: room, Members: []adminapi.Member{}}
		for _, data := range answers {
			var list []adminapi.Member
			if json.Unmarshal(data, &list) == nil {
				out.Members = append(out.Members, list...)
			}
		}
		slices.SortFunc(out.Members, func(x, y adminapi.Member) int {
			if c := strings.Compare(x.Name, y.Name); c != 0 {
				return c
			}
			return strings.Compare(x.Node, y.Node)
		})
		writeJSON(w, http.StatusOK, out)
	})
}

// Default reasons shown to people an operator removes.
const (
	kickReason  = "An operator removed you from this room."
	closeReason = "An operator closed this room."
)

// Action answers POST adminapi.RoomPath(room)+suffix, for suffix
// adminapi.SuffixNote, SuffixKick or SuffixShut.
func (a *API) Action(suffix string) http.Handler {
	return a.authorized(func(w http.ResponseWriter, r *http.Request, by string) {
		room := r.PathValue("room")
		if perr := protocol.ValidateRoom(room); perr != nil {
			writeError(w, http.StatusBadRequest, perr)
			return
		}
		var act adminapi.Action
		if err := readStrict(w, r, &act); err != nil {
			writeError(w, http.StatusBadRequest, protocol.Errorf(protocol.CodeBadRequest, "the body is not a valid action: %s", bodyProblem(err)))
			return
		}
		if perr := act.Validate(suffix); perr != nil {
			writeError(w, http.StatusBadRequest, perr)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		var (
			done adminapi.Done
			perr *protocol.Error
		)
		switch suffix {
		case adminapi.SuffixNote:
			var ack protocol.Event
			ack, perr = a.opts.Hub.Notice(ctx, room, act.Text)
			done.Offset = ack.Offset
		case adminapi.SuffixKick:
			perr = a.opts.Hub.Remove(room, act.User, orDefault(act.Text, kickReason))
		case adminapi.SuffixShut:
			perr = a.opts.Hub.Remove(room, "", orDefault(act.Text, closeReason))
		}
		if perr != nil {
			writeError(w, http.StatusServiceUnavailable, perr)
			return
		}
		// Never the text: it may be a message body.
		a.log.Info("admin action", "action", strings.TrimPrefix(suffix, "/"), "room", room, "user", act.User, "by", by)
		done.OK = true
		writeJSON(w, http.StatusOK, done)
	})
}

// DeadLetters answers GET adminapi.PathDeadLetters.
func (a *API) DeadLetters() http.Handler {
	return a.authorized(func(w http.ResponseWriter, r *http.Request, _ string) {
		out := adminapi.DeadLetters{Letters: []adminapi.DeadLetter{}}
		if a.opts.Webhook != nil {
			out.Enabled = true
			letters, err := a.opts.Webhook.DeadLetters(r.Context(), adminapi.MaxDeadLetters)
			if err != nil {
				a.log.Warn("admin: dead letters", "err", err)
				writeError(w, http.StatusServiceUnavailable, protocol.Errorf(protocol.CodeUnavailable, "the dead letters cannot be read now"))
				return
			}
			out.Letters = append(out.Letters, letters...)
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// Retry answers POST adminapi.PathRetry: one attempt, now; 200 when the
// receiver accepted it (it leaves the dead letters), 502 with why not.
func (a *API) Retry() http.Handler {
	return a.authorized(func(w http.ResponseWriter, r *http.Request, by string) {
		var req adminapi.Retry
		if err := readStrict(w, r, &req); err != nil {
			writeError(w, http.StatusBadRequest, protocol.Errorf(protocol.CodeBadRequest, "the body is not a valid retry: %s", bodyProblem(err)))
			return
		}
		if perr := req.Validate(); perr != nil {
			writeError(w, http.StatusBadRequest, perr)
			return
		}
		if a.opts.Webhook == nil {
			writeError(w, http.StatusNotFound, protocol.Errorf(protocol.CodeNotFound, "this server has no webhook"))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		err := a.opts.Webhook.Retry(ctx, req.Seq)
		switch {
		case errors.Is(err, ErrNoDeadLetter):
			writeError(w, http.StatusNotFound, protocol.Errorf(protocol.CodeNotFound, "there is no dead letter %d", req.Seq))
			return
		case err != nil:
			writeError(w, http.StatusBadGateway, protocol.Errorf(protocol.CodeUnavailable, "the receiver did not take it: %v", err))
			return
		}
		a.log.Info("admin action", "action", "webhook retry", "seq", req.Seq, "by", by)
		writeJSON(w, http.StatusOK, adminapi.Done{OK: true})
	})
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func bodyProblem(err error) string {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return "larger than the limit"
	}
	return err.Error()
}

// readStrict reads the request's body (at most adminapi.MaxBodyBytes)
// into v as protocol.DecodeStrict does: one object, no duplicate or
// unknown members.
func readStrict(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, adminapi.MaxBodyBytes))
	if err != nil {
		return err
	}
	return protocol.DecodeStrict(data, v)
}

// authorized runs h for requests that carry the admin token or an admin's
// JWT as a bearer credential; by names who (for the log).
func (a *API) authorized(h func(w http.ResponseWriter, r *http.Request, by string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		cred = strings.TrimSpace(cred)
		if !ok || cred == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard admin"`)
			writeError(w, http.StatusUnauthorized, protocol.Errorf(protocol.CodeTokenInvalid, "sign in: send the admin token or an admin's token as a Bearer credential"))
			return
		}
		if a.opts.Token != "" && subtle.ConstantTimeCompare([]byte(cred), []byte(a.opts.Token)) == 1 {
			h(w, r, "admin-token")
			return
		}
		p, err := a.opts.Tokens.Verify(cred)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard admin", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, protocol.Errorf(protocol.CodeTokenInvalid, "the credential was refused"))
			return
		}
		if p.Role != protocol.RoleAdmin {
			writeError(w, http.StatusForbidden, protocol.Errorf(protocol.CodeForbidden, "only admins may use the dashboard"))
			return
		}
		h(w, r, p.UserID)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, perr *protocol.Error) {
	writeJSON(w, status, adminapi.ErrorBody{Error: perr})
}

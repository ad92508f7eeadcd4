package dev

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
)

// State is what every open tab is told, as one JSON object per
// server-sent event on /_dev/events, each time it changes.
type State struct {
	// Build counts the builds applied since switchboard-dev started (0:
	// none yet). A tab loaded at another build reloads.
	Build int `json:"build"`
	// Kind says what the last applied build changed: "css" (stylesheets
	// only: a tab one build behind swaps them in place), "restart" (the
	// server alone, restarted: a tab one build behind reconnects at once,
	// without a reload) or "reload".
	Kind string `json:"kind"`
	// Building is true while a build runs.
	Building bool `json:"building"`
	// Problem titles the error overlay ("Build failed", "The server did
	// not start"); Output is the compiler's or the server's output. Both
	// are empty once the next build succeeds.
	Problem string `json:"problem,omitempty"`
	Output  string `json:"output,omitempty"`
	// Timing says where the time of the last applied build went.
	Timing *Timing `json:"timing,omitempty"`
	// NATS is the URL of the NATS server the loop runs for the server
	// (tools such as the nats CLI can connect to it); empty when the
	// server uses one of the developer's (--nats-url).
	NATS string `json:"nats,omitempty"`
}

// Timing is where the time of one applied build went, for `make
// dev-bench` to print (the tabs ignore it). Instants are Unix milliseconds
// and durations milliseconds; zero means the step did not happen.
type Timing struct {
	// Changed is when the loop saw the first change the build applies (0:
	// a restart asked for with Enter, or the first build).
	Changed int64 `json:"changed,omitempty"`
	// Started is when the builds began, after the quiet period.
	Started int64 `json:"started"`
	// WasmMS and ServerMS are each binary's build, link included (they
	// run side by side).
	WasmMS   int64 `json:"wasmMs,omitempty"`
	ServerMS int64 `json:"serverMs,omitempty"`
	// StopMS is the old server's stop; StartMS the new one's start until
	// its /readyz answered 200.
	StopMS  int64 `json:"stopMs,omitempty"`
	StartMS int64 `json:"startMs,omitempty"`
	// Applied is when the tabs were told to reload.
	Applied int64 `json:"applied"`
}

// ServeState answers the current State as one JSON object.
func (b *broadcaster) ServeState(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(b.current())
}

// broadcaster holds the current State and streams it to every tab.
// Subscribers only ever need the newest state, so a slow one skips
// intermediate states instead of holding anyone up.
type broadcaster struct {
	mu    sync.Mutex
	state State
	subs  map[chan State]struct{}
}

func newBroadcaster() *broadcaster {
	return &broadcaster{state: State{Kind: "reload"}, subs: make(map[chan State]struct{})}
}

// update changes the state with f and sends the result to every tab.
func (b *broadcaster) update(f func(*State)) State {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(&b.state)
	for ch := range b.subs {
		offer(ch, b.state)
	}
	return b.state
}

// current returns the state now.
func (b *broadcaster) current() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

// tabs returns the number of tabs listening.
func (b *broadcaster) tabs() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// subscribe returns a channel that holds the current state at once and the
// newest one after each update, and the function that ends the subscription.
func (b *broadcaster) subscribe() (<-chan State, func()) {
	ch := make(chan State, 1)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	ch <- b.state
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs, ch)
		b.mu.Unlock()
	}
}

// offer replaces whatever ch holds with s. Only update calls it, under the
// lock, so nothing else sends on ch meanwhile.
func offer(ch chan State, s State) {
	select {
	case <-ch:
	default:
	}
	ch <- s
}

// ServeHTTP streams the state as server-sent events until the tab goes
// away or the dev server stops (the request's context ends).
func (b *broadcaster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	states, cancel := b.subscribe()
	defer cancel()
	// EventSource reconnects by itself; half a second keeps a tab close
	// behind a restarted switchboard-dev.
	if _, err := fmt.Fprint(w, "retry: 500\n\n"); err != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case s := <-states:
			data, _ := json.Marshal(s)
			if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}

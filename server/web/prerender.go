package web

import (
	"context"
	"net/http"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
	"github.com/switchboard-rt/switchboard/wasmclient/shell"
)

// Defaults of the prerender settings (Options).
const (
	// DefaultPrerenderMessages is how many recent stored events a room
	// page is prerendered with: about a screenful of messages.
	DefaultPrerenderMessages = 30
	// DefaultPrerenderWait bounds how long a page waits for its room's
	// recent messages; past it the page is served without them.
	DefaultPrerenderWait = 300 * time.Millisecond
)

// Snapshots returns up to limit recent stored events of a public room as a
// history event (Room, Events oldest first, More), or false when the room
// is private or the store does not answer. The server's hub provides it.
type Snapshots func(ctx context.Context, room string, limit int) (protocol.Event, bool)

// prerender serves go-app's pages, handing the room pages (/r/{room},
// /embed/{room}) their room's recent messages: go-app renders a page from
// its URL alone, so the snapshot is held under a key the URL it gets names
// (shell.SnapshotParam). A key in the request itself is dropped: only this
// handler names snapshots.
type prerender struct {
	next      http.Handler
	snapshots Snapshots
	limit     int
	wait      time.Duration
}

func (p *prerender) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	room := shell.RoomOfPage(r.URL.Path)
	prerender := prerendering && room != "" && p.snapshots != nil && p.limit > 0
	if !prerender && !q.Has(shell.SnapshotParam) {
		p.next.ServeHTTP(w, r)
		return
	}
	r = r.Clone(r.Context())
	q.Del(shell.SnapshotParam) // only this handler names snapshots
	if prerender {
		// The page shows what the room holds now: go-app's answer to a
		// revalidation (304 for the build's ETag) would show what it
		// held when the page was first loaded.
		r.Header.Del("If-None-Match")
		w = dropETag{w}
		ctx, cancel := context.WithTimeout(r.Context(), p.wait)
		snap, ok := p.snapshots(ctx, room, p.limit)
		cancel()
		if ok && snap.Room == room {
			key, release := holdSnapshot(snap)
			defer release()
			q.Set(shell.SnapshotParam, key)
		}
	}
	r.URL.RawQuery = q.Encode()
	p.next.ServeHTTP(w, r)
}

// dropETag leaves out the ETag go-app gives every response (its build's
// version): a prerendered room page changes with every message.
type dropETag struct{ http.ResponseWriter }

func (w dropETag) WriteHeader(code int) {
	w.Header().Del("ETag")
	w.ResponseWriter.WriteHeader(code)
}

func (w dropETag) Write(b []byte) (int, error) {
	w.Header().Del("ETag")
	return w.ResponseWriter.Write(b)
}

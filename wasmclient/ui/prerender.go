package ui

import (
	"encoding/base64"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
	"github.com/switchboard-rt/switchboard/wasmclient/shell"
)

// Prerendered rooms. The server renders /r/{room} and /embed/{room} with
// the room's recent messages (public rooms only), so they are on screen
// before app.wasm has loaded, and the app's first render shows the same
// messages, so it takes over without a flicker:
//
//   - go-app prerenders a page from its URL alone, so the server holds the
//     room's snapshot (HoldSnapshot) under a key it puts in the URL it hands
//     go-app (SnapshotParam); the page's OnPreRender picks it up.
//   - The prerendered message list carries the snapshot (JSON, in base64:
//     go-app writes attribute values with Go's quoting, which HTML does
//     not read back when a value holds a double quote) in its data-seed
//     attribute; the app reads it once (OnInit, before go-app
//     replaces the prerendered DOM) and renders from it until its session
//     has joined the room.

// SnapshotParam is the query parameter under which the server names the
// snapshot a page being prerendered shows. The server drops it from the
// requests it receives: only its own prerender sets it.
const SnapshotParam = shell.SnapshotParam

// attrSeed is the attribute of the prerendered message list that carries
// its snapshot to the app.
const attrSeed = "data-seed"

var (
	heldSnapshots sync.Map // key → protocol.Event
	snapshotSeq   atomic.Uint64
)

// HoldSnapshot keeps snap (a history event: Room, Events oldest first,
// More) for the prerender of one request and returns the key to pass as
// SnapshotParam; release forgets it.
func HoldSnapshot(snap protocol.Event) (key string, release func()) {
	key = strconv.FormatUint(snapshotSeq.Add(1), 36)
	heldSnapshots.Store(key, snap)
	return key, func() { heldSnapshots.Delete(key) }
}

// heldSnapshot returns the snapshot held under key.
func heldSnapshot(key string) (protocol.Event, bool) {
	if key == "" {
		return protocol.Event{}, false
	}
	v, ok := heldSnapshots.Load(key)
	if !ok {
		return protocol.Event{}, false
	}
	return v.(protocol.Event), true
}

// OnPreRender runs on the server only: it shows the snapshot the server
// holds for this request, if any (a public room).
func (c *roomPage) OnPreRender(ctx app.Context) {
	u := ctx.Page().URL()
	c.room = roomFromPath(u.Path)
	snap, ok := heldSnapshot(u.Query().Get(SnapshotParam))
	if !ok || c.room == "" || snap.Room != c.room {
		return
	}
	c.model.seed(snap.Events, snap.More)
	if data, err := snap.Encode(); err == nil {
		c.seedJSON = base64.StdEncoding.EncodeToString(data)
	}
}

// OnInit runs before the page's first render. In the browser it reads the
// room from the address and, on the page the server prerendered, the
// snapshot it was prerendered with, so the first render matches the
// prerendered one.
func (c *roomPage) OnInit() {
	if !app.IsClient {
		return
	}
	c.room = roomFromPath(app.Window().URL().Path)
	if snap, ok := takeSeed(c.room); ok {
		c.model.seed(snap.Events, snap.More)
	}
}

// seedTaken makes the prerendered snapshot serve the first room page only:
// pages opened later in the app find live messages, not a stale list.
var seedTaken bool

// takeSeed returns the snapshot of room the prerendered page carries.
func takeSeed(room string) (protocol.Event, bool) {
	if seedTaken || room == "" {
		return protocol.Event{}, false
	}
	seedTaken = true
	list := app.Window().GetElementByID(idMessages)
	if !list.Truthy() {
		return protocol.Event{}, false
	}
	attr := list.Call("getAttribute", attrSeed)
	if !attr.Truthy() {
		return protocol.Event{}, false
	}
	data, err := base64.StdEncoding.DecodeString(attr.String())
	if err != nil {
		return protocol.Event{}, false
	}
	snap, err := protocol.DecodeEvent(data)
	if err != nil || snap.Type != protocol.EvHistory || snap.Room != room {
		return protocol.Event{}, false
	}
	return snap, true
}

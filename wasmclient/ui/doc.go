// Package ui is the Switchboard browser interface: the go-app components of
// the home page (the live list of active rooms and the join form) and the
// room page (messages, history, presence, typing, edits, the composer and
// its outbox) and what they show as plain models (roomModel, segments);
// package shell holds the pages' addresses and the app.Handler settings the
// server serves them with. The
// connection itself is shared/client's Session: reconnects with backoff,
// resume by offset, and the outbox of unacknowledged sends, which this
// package keeps in local storage (outboxStore).
//
// The package compiles natively as well as for GOOS=js GOARCH=wasm: the
// server calls Routes to prerender the same pages the wasm app shows. Everything that touches the browser runs only in OnMount and later,
// which go-app calls on the client only.
//
// Concurrency: components change their fields only on go-app's UI goroutine
// (event handlers, OnMount, OnNav, and functions passed to ctx.Dispatch). A
// room page owns its session's goroutines (Run, the event reader and a
// one-second ticker), started in OnMount with ctx.Async and stopped by the
// cancel function it keeps and calls in OnDismount; the home page owns its
// directory watcher the same way. Events and state changes are applied
// inside ctx.Dispatch.
package ui

// Package ui is the Switchboard browser interface: the go-app components of
// the home page and the room page, the session that keeps a room's
// WebSocket connection alive (dial, join, read, reconnect with backoff,
// resume by offset), and the app.Handler settings the server uses to serve
// the pages.
//
// The package compiles natively as well as for GOOS=js GOARCH=wasm: the
// server calls Routes and Handler to prerender the same pages the wasm app
// shows. Everything that touches the browser runs only in OnMount and later,
// which go-app calls on the client only.
//
// Concurrency: components change their fields only on go-app's UI goroutine
// (event handlers, OnMount, OnNav, and functions passed to ctx.Dispatch). A
// room page owns one session goroutine, started in OnMount with ctx.Async and
// stopped by the cancel function it keeps and calls in OnDismount. The
// session reports to the page through callbacks that the page runs inside
// ctx.Dispatch.
package ui

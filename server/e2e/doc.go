// Package e2e holds Switchboard's end-to-end browser tests: real Chromium,
// driven from Go with chromedp, loads the real app.wasm (built by the tests)
// from a real node with embedded NATS. Elements are found by their role and
// accessible name in Chromium's accessibility tree, as a person using a
// screen reader would find them. TestDevLoop and BenchmarkDevReload (make
// dev-bench) run make dev's loop (package dev) on a copy of the repository.
package e2e

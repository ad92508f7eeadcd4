# Switchboard: `make run` serves, `make test` tests everything (browser tests
# included). Both work on a fresh Debian machine with only Go installed: the
# targets install what they need (Chromium, Node.js and npm through apt-get) and
# say so.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

GO      ?= go
BIN     := bin
WEB     := $(BIN)/web
MODULES := shared wasmclient server
WASMENV := GOOS=js GOARCH=wasm
# Go's own runner for js/wasm tests, under Node.js.
WASMRUN := PATH="$$($(GO) env GOROOT)/lib/wasm:$$PATH"
# An execution count, not a duration: with a duration, Go 1.26's fuzz
# coordinator can fail a target with "context deadline exceeded" at the
# deadline (golang/go#75804, fixed in Go 1.27). 150,000 runs take a few
# seconds per target here.
FUZZTIME ?= 150000x
APT_GET := $(shell [ "$$(id -u)" = 0 ] && echo apt-get || echo sudo apt-get)

.PHONY: run build wasm server web wasm-size test test-shared test-wasmclient test-server vet fmt fmt-check fuzz deps-test clean help bench dev dev-bench

help:
	@echo "make run    build and serve at http://127.0.0.1:8080 (settings: SWITCHBOARD_* env vars)"
	@echo "make test   vet, format check, unit, fuzz, server and browser tests"
	@echo "make build  build bin/switchboard and bin/web (app.wasm + static files)"
	@echo "make bench  Go benchmarks + load workloads vs two peers, a bare baseline and a gorilla/websocket hub (not part of test); table in bin/bench/latest.md"
	@echo "make dev    development mode at http://127.0.0.1:8080: rebuilds on save, reloads open tabs, shows build errors"
	@echo "make dev-bench  time from saving a file to the new UI in headless Chromium (ui, shared, server edits), with each phase (build, link, restart, reload)"
	@echo "make wasm-size  what each Go package contributes to app.wasm"
	@echo "make vet | fmt | clean"

## run: build, then serve with settings from the environment (SWITCHBOARD_ADDR=...).
run: build
	@echo ">> starting switchboard (Ctrl-C stops it)"
	$(BIN)/switchboard serve

build: server web

# $(call keep-if-same,NEW,TARGET) moves NEW over TARGET only when their bytes
# differ. go build rewrites its output even when nothing changed; keeping the
# old file keeps its time stamp, so an unchanged app.wasm is not compressed
# again (30 s of brotli here) and `make run` with nothing changed starts in
# seconds.
keep-if-same = if cmp -s $(1) $(2); then rm -f $(1); else mv -f $(1) $(2); fi

# go install, unlike go build -o, leaves an up-to-date binary alone instead of
# linking it again (0.4 s instead of 3.6 s here with nothing changed).
server:
	@echo ">> building $(BIN)/switchboard"
	@mkdir -p $(BIN)
	GOBIN=$(CURDIR)/$(BIN) $(GO) install -trimpath ./server/cmd/switchboard

wasm:
	@echo ">> building $(WEB)/app.wasm"
	@mkdir -p $(WEB)
	$(WASMENV) $(GO) build -trimpath -ldflags='-s -w' -o $(WEB)/app.wasm.new ./wasmclient
	@$(call keep-if-same,$(WEB)/app.wasm.new,$(WEB)/app.wasm)

## wasm-size: what each Go package contributes to app.wasm's code (an unstripped
## build: the names are needed; the served app.wasm is built with -s -w), then
## app.wasm and the stack's floor (wasmclient/cmd/floor) in brotli, as served.
wasm-size: server
	@mkdir -p $(BIN)/wasm-size
	$(WASMENV) $(GO) build -trimpath -o $(BIN)/wasm-size/app.wasm ./wasmclient
	$(GO) run ./server/cmd/wasmsize $(BIN)/wasm-size/app.wasm
	$(WASMENV) $(GO) build -trimpath -ldflags='-s -w' -o $(BIN)/wasm-size/served.wasm ./wasmclient
	$(WASMENV) $(GO) build -trimpath -ldflags='-s -w' -o $(BIN)/wasm-size/floor.wasm ./wasmclient/cmd/floor
	$(BIN)/switchboard precompress $(BIN)/wasm-size/served.wasm $(BIN)/wasm-size/floor.wasm
	@for f in served floor; do printf '%s.wasm: %s bytes, brotli %s bytes\n' $$f \
		$$(stat -c %s $(BIN)/wasm-size/$$f.wasm) $$(stat -c %s $(BIN)/wasm-size/$$f.wasm.br); done

web: wasm server
	@echo ">> copying static files and precompressing app.wasm (brotli, gzip)"
	cp -R wasmclient/web/. $(WEB)/
	@if [ ! -f $(WEB)/app.wasm.br ] || [ $(WEB)/app.wasm -nt $(WEB)/app.wasm.br ]; then \
		$(BIN)/switchboard precompress $(WEB)/app.wasm; fi

## test: everything CI runs.
test: deps-test vet fmt-check test-shared fuzz test-wasmclient test-server
	@echo ">> all tests passed"

deps-test:
	@if ! command -v chromium >/dev/null && ! [ -x /usr/bin/chromium ]; then \
		echo ">> installing Chromium with apt-get (browser tests need it)"; \
		$(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq chromium; fi
	@if ! command -v node >/dev/null; then \
		echo ">> installing Node.js with apt-get (js/wasm tests run under it)"; \
		$(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq nodejs; fi
	@if ! command -v npm >/dev/null; then \
		echo ">> installing npm with apt-get (the plain-text room test installs the ws package with it)"; \
		$(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq npm; fi
	@if ! [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then \
		echo ">> installing the Noto colour emoji font with apt-get (browser screenshots show reactions with it)"; \
		$(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq fonts-noto-color-emoji || \
		echo ">> no emoji font: screenshots show reactions as boxes (the tests do not depend on it)"; fi

test-shared:
	@echo ">> shared: native tests"
	cd shared && $(GO) test -race -count=1 ./...
	@echo ">> shared: js/wasm tests under Node.js"
	cd shared && $(WASMRUN) $(WASMENV) $(GO) test -count=1 ./...

fuzz:
	@echo ">> fuzzing the frame decoder ($(FUZZTIME) runs)"
	cd shared && $(GO) test -run='^$$' -fuzz='^FuzzDecodeCommand$$' -fuzztime=$(FUZZTIME) ./protocol
	@echo ">> fuzzing the counter action decoder ($(FUZZTIME) runs)"
	cd shared && $(GO) test -run='^$$' -fuzz='^FuzzDecodeCounterAction$$' -fuzztime=$(FUZZTIME) ./protocol
	@echo ">> fuzzing the binary frame decoders ($(FUZZTIME) runs)"
	cd shared && $(GO) test -run='^$$' -fuzz='^FuzzDecodeBinary$$' -fuzztime=$(FUZZTIME) ./protocol
	@echo ">> fuzzing the event and batch frame decoder ($(FUZZTIME) runs)"
	cd shared && $(GO) test -run='^$$' -fuzz='^FuzzDecodeEvent$$' -fuzztime=$(FUZZTIME) ./protocol
	@echo ">> fuzzing the token verifier ($(FUZZTIME) runs)"
	cd server && $(GO) test -run='^$$' -fuzz='^FuzzVerify$$' -fuzztime=$(FUZZTIME) ./identity
	@echo ">> fuzzing the token verifier's claims checks (signed in the test) ($(FUZZTIME) runs)"
	cd server && $(GO) test -run='^$$' -fuzz='^FuzzVerifyClaims$$' -fuzztime=$(FUZZTIME) ./identity
	@echo ">> fuzzing the session token verifier ($(FUZZTIME) runs)"
	cd server && $(GO) test -run='^$$' -fuzz='^FuzzSessionVerify$$' -fuzztime=$(FUZZTIME) ./identity

test-wasmclient:
	@echo ">> wasmclient: component tests"
	cd wasmclient && $(GO) test -count=1 ./...

test-server:
	@echo ">> server: in-process and browser tests (real NATS, real sockets, real Chromium)"
	mkdir -p $(CURDIR)/$(BIN)/test-output
	cd server && $(GO) test -race -count=1 -timeout 15m $$($(GO) list ./... | grep -v /e2e$$)
	@echo ">> server: browser tests (without -race: the browser, not the detector, is what they exercise)"
	cd server && $(GO) test -count=1 -timeout 15m -artifacts -outputdir=$(CURDIR)/$(BIN)/test-output ./e2e/

vet:
	@echo ">> go vet (native and js/wasm)"
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...); done
	@for m in shared wasmclient; do (cd $$m && $(WASMENV) $(GO) vet ./...); done
	@# make dev's server build (server/dev/sources.go): no NATS server, no prerender
	@cd server && $(GO) vet -tags switchboard_external_nats,switchboard_noprerender ./...

fmt:
	gofmt -w $(MODULES)

fmt-check:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: hot-path Go benchmarks, then `switchboard-bench` (W1-W4 against
## Switchboard and, in the same run with the same load generator, its two
## peers: the bare coder/websocket broadcaster and the gorilla/websocket chat
## hub, each server in its own process on loopback; W2 over /text, WZ (W2's
## room at 100 msg/s against a server without, then one with --compression:
## bytes on the wire per delivery and CPU) and W5 on three nodes sharing a
## NATS cluster, Switchboard only; app.wasm on the wire
## and first message in headless Chromium, from the web app built by `web`);
## one Markdown table on stdout and in bin/bench/latest.md, server logs and
## W2 profiles in bin/bench/logs. The gorilla hub is its own module
## (server/bench/gorilla, outside the workspace) so gorilla/websocket never
## enters server/go.mod; only this target builds it.
## BENCHFLAGS adds flags, e.g. BENCHFLAGS='--workloads W1,W2 --duration 5s'.
BENCHFLAGS ?=
BENCHTIME  ?= 1s
bench: deps-test web
	@mkdir -p $(BIN)/bench
	@echo ">> Go benchmarks (-benchmem) of the hot path"
	cd shared && $(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) -count=1 ./protocol | tee $(CURDIR)/$(BIN)/bench/gobench.txt
	cd server && $(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) -count=1 ./hub ./gateway | tee -a $(CURDIR)/$(BIN)/bench/gobench.txt
	@echo ">> building the peers: $(BIN)/bench/baseline and $(BIN)/bench/gorilla"
	$(GO) build -trimpath -o $(BIN)/bench/baseline ./server/bench/baseline
	cd server/bench/gorilla && GOWORK=off $(GO) build -trimpath -o $(CURDIR)/$(BIN)/bench/gorilla .
	@echo ">> building the load bench: $(BIN)/switchboard-bench (load generator and Chromium driver; not in bin/switchboard)"
	GOBIN=$(CURDIR)/$(BIN) $(GO) install -trimpath ./server/cmd/switchboard-bench
	@echo ">> load workloads and browser figures (switchboard-bench --peers baseline,gorilla)"
	$(BIN)/switchboard-bench --peers baseline,gorilla --go-bench $(BIN)/bench/gobench.txt \
		--log-dir $(BIN)/bench/logs --out $(BIN)/bench/latest.md \
		--web-dir $(WEB) $(BENCHFLAGS)

## dev: development mode (README, "Development mode"). switchboard-dev builds
## app.wasm and the server into bin/dev, serves them through its proxy, and
## rebuilds what each saved change needs. Settings: SWITCHBOARD_* env vars.
dev:
	@echo ">> building $(BIN)/switchboard-dev"
	$(GO) build -o $(BIN)/switchboard-dev ./server/cmd/switchboard-dev
	@echo ">> development mode (Ctrl-C stops it; Enter restarts the server)"
	$(BIN)/switchboard-dev --root . --out $(BIN)/dev

## dev-bench: make dev's loop on a copy of the repository, with headless
## Chromium: seconds from saving a file to the new UI, per kind of edit, and
## where they went (the loop's timing of each build on /_dev/state).
DEVBENCHTIME ?= 5x
dev-bench: deps-test
	cd server && $(GO) test -count=1 -run='^$$' -bench=DevReload -benchtime=$(DEVBENCHTIME) ./e2e/

clean:
	rm -rf $(BIN)

module github.com/switchboard-rt/switchboard/wasmclient

go 1.26.0

require (
	github.com/maxence-charriere/go-app/v10 v10.1.11
	github.com/switchboard-rt/switchboard/shared v0.0.0
)

require (
	github.com/coder/websocket v1.8.15 // indirect
	github.com/google/uuid v1.6.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/switchboard-rt/switchboard/shared => ../shared

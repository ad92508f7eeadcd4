module github.com/switchboard-rt/switchboard/wasmclient

go 1.26.0

require (
	github.com/coder/websocket v1.8.15
	github.com/maxence-charriere/go-app/v10 v10.1.11
	github.com/switchboard-rt/switchboard/shared v0.0.0
)

require (
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/google/uuid v1.6.0 // indirect
	go.mau.fi/util v0.11.1 // indirect
	golang.org/x/text v0.44.0 // indirect
)

replace github.com/switchboard-rt/switchboard/shared => ../shared

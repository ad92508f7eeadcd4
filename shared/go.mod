module github.com/switchboard-rt/switchboard/shared

go 1.26.0

require (
	github.com/coder/websocket v1.8.15
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875
	go.mau.fi/util v0.11.1
	golang.org/x/text v0.44.0
)

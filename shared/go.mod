module github.com/switchboard-rt/switchboard/shared

go 1.26.0

require (
	github.com/coder/websocket v1.8.15
	golang.org/x/text v0.43.0
)

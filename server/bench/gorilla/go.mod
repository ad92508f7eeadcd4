module github.com/switchboard-rt/switchboard/server/bench/gorilla

go 1.26.0

require github.com/gorilla/websocket v1.5.3

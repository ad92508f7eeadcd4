package server

import (
	"context"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// FeedPublisher is who points published by the server itself (the HTTP
// API, the demo feed) appear to come from.
var FeedPublisher = protocol.User{ID: "feed", Name: "feed"}

// PublishPoints stores points in room's feed and returns the ack with the
// feed position (Epoch, Offset). It checks no permission: the caller (the
// HTTP API after its own authentication, the demo feed) has. id makes the
// publish idempotent within the duplicate window (empty: a fresh one).
// Errors are *protocol.Error: invalid_room and invalid_point for bad input,
// unavailable when the store cannot be reached.
func (n *Node) PublishPoints(ctx context.Context, room, id string, points []protocol.Point) (protocol.Event, error) {
	ack, perr := n.hub.PublishAs(ctx, room, FeedPublisher, id, points)
	if perr != nil {
		return ack, perr
	}
	return ack, nil
}

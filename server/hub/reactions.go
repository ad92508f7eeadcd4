package hub

import (
	"context"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// React stores c's reaction cmd.Text to message cmd.Target (CmdReact) or
// its taking back (CmdUnreact). Anyone in the room may react to any
// message; the events are stored like messages (with their own offsets),
// so a client that resumes gets them like everything else.
func (h *Hub) React(ctx context.Context, c Conn, cmd protocol.Command) (protocol.Event, *protocol.Error) {
	if _, perr := h.targetMessage(ctx, c, cmd, "react to"); perr != nil {
		return protocol.Event{}, perr
	}
	typ := protocol.EvReact
	if cmd.Type == protocol.CmdUnreact {
		typ = protocol.EvUnreact
	}
	return h.storeCommand(ctx, c, cmd, protocol.Event{Type: typ, Target: cmd.Target, Text: cmd.Text})
}

// targetMessage reads message cmd.Target of cmd.Room, which c must be in.
func (h *Hub) targetMessage(ctx context.Context, c Conn, cmd protocol.Command, verb string) (protocol.Event, *protocol.Error) {
	if !h.isIn(c, cmd.Room) {
		return protocol.Event{}, protocol.Errorf(protocol.CodeNotJoined, "join room %q first", cmd.Room)
	}
	events, err := h.broker.Read(ctx, cmd.Room, cmd.Target, 1)
	if err != nil {
		return protocol.Event{}, h.unavailable("read", cmd.Room, err)
	}
	if len(events) == 0 || events[0].Offset != cmd.Target || events[0].Type != protocol.EvMessage {
		return protocol.Event{}, protocol.Errorf(protocol.CodeNotFound, "there is no message %d in room %q to %s", cmd.Target, cmd.Room, verb)
	}
	return events[0], nil
}

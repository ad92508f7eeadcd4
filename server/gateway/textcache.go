package gateway

import (
	"sync/atomic"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// decodedFrames remembers the last decodes of queued frames, so that a
// room's frame, the same bytes queued to every member, is decoded once for
// all its plain-text members rather than once each. A frame is known by
// its first byte's address and its length: queued frames are never
// written to after they are queued (every member shares them), and an
// entry keeps its frame alive, so an address is never reused while an
// entry names it. A slot holds one frame; a miss decodes anew. The
// decoded event is shared and read only.
type decodedFrames [decodeSlots]atomic.Pointer[decodedFrame]

// decodeSlots is how many frames decodedFrames remembers: more than the
// rooms whose frames a busy node's writers render at the same moment.
const decodeSlots = 64

type decodedFrame struct {
	first *byte
	n     int
	ev    protocol.Event
}

// decode returns frame decoded, from the cache when a writer of another
// member decoded the same frame.
func (d *decodedFrames) decode(frame []byte) (*protocol.Event, error) {
	if len(frame) == 0 {
		ev, err := protocol.DecodeEvent(frame)
		return &ev, err
	}
	// Frames of one room differ in length more often than not; a
	// collision only costs a decode.
	slot := &d[uint(len(frame)*0x9E3779B1)>>7%decodeSlots]
	if p := slot.Load(); p != nil && p.first == &frame[0] && p.n == len(frame) {
		return &p.ev, nil
	}
	ev, err := protocol.DecodeEvent(frame)
	if err != nil {
		return nil, err
	}
	p := &decodedFrame{first: &frame[0], n: len(frame), ev: ev}
	slot.Store(p)
	return &p.ev, nil
}

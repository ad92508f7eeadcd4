package gateway

import (
	"encoding/binary"
	"io"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// WebSocket frame header bits (RFC 6455 section 5.2) the oversize check
// reads.
const (
	rsv1Bit      = 0x40 // the frame is compressed (permessage-deflate)
	opcodeMask   = 0x0F
	opContinue   = 0x0
	opText       = 0x1
	opBinary     = 0x2
	opClose      = 0x8
	len16Marker  = 126
	len64Marker  = 127
	maxHeaderLen = 2 + 8
)

// announcesTooBig reports whether the next frame, at the head of the read
// buffer, is an uncompressed data frame whose header announces a payload
// larger than MaxFrameBytes. Such a frame is refused from its header
// alone: coder/websocket would read its payload up to the limit first, and
// a peer that sends the header and nothing more (announcing 2^62 bytes)
// would hold the connection, and its address's connection slot, until the
// heartbeat gave up. h is the frame's first two bytes (see
// nextHeaderLocked); inMu is held. It never waits: a longer length field
// that has not arrived whole is left to coder/websocket's limit. A compressed frame's
// length says nothing of its inflated size; its limit is read's.
func (c *conn) announcesTooBigLocked(h []byte) bool {
	switch h[0] & opcodeMask {
	case opContinue, opText, opBinary:
	default:
		return false
	}
	if h[0]&rsv1Bit != 0 {
		return false
	}
	var n uint64
	switch l := h[1] &^ maskBit; l {
	case len16Marker:
		if c.in.Buffered() < 4 {
			return false
		}
		h, _ = c.in.Peek(4)
		n = uint64(binary.BigEndian.Uint16(h[2:]))
	case len64Marker:
		if c.in.Buffered() < maxHeaderLen {
			return false
		}
		h, _ = c.in.Peek(maxHeaderLen)
		n = binary.BigEndian.Uint64(h[2:])
	default:
		n = uint64(l)
	}
	return n > uint64(c.g.opts.MaxFrameBytes)
}

// closeFrame is the payload of a close frame: the code, then the reason
// cut to what a control frame holds.
func closeFrame(code protocol.CloseCode, reason string) []byte {
	if len(reason) > maxControlLen-2 {
		reason = reason[:maxControlLen-2]
	}
	p := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reason)), uint16(code))
	return append(p, reason...)
}

// After a close frame that ends the connection without a closing
// handshake, the server stops sending (FIN) and discards what the peer
// still sends for at most dropLinger, or dropDrainBytes, before it closes
// the socket. Closing with the peer's bytes unread would reset the
// connection, and a reset can destroy the close frame before the peer
// reads it: a client in the middle of sending an oversize message would
// see "connection reset" instead of 1009.
const (
	dropLinger     = time.Second
	dropDrainBytes = 1 << 20
)

// dropAfterClose half-closes the socket and drains it (see dropLinger).
// The reader has stopped: nothing else reads the socket.
func (c *conn) dropAfterClose() {
	nc := c.out.nc
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	nc.SetReadDeadline(time.Now().Add(dropLinger))
	io.Copy(io.Discard, io.LimitReader(nc, dropDrainBytes))
}

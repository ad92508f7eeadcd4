package gateway

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// badClose checks the peer's close frame at the head of the read buffer
// (RFC 6455 sections 5.5 and 7.4) before coder/websocket reads it, as
// coder/websocket answers a malformed close frame with a valid one (an
// invalid UTF-8 reason echoed back with 1000) or leaves the connection
// open after its 1002. It returns the code to close with and why:
// 1002 for a close frame that is fragmented, longer than 125 bytes, one
// byte long, or carries a code a peer may not send (see validCloseCode);
// 1007 for a reason that is not UTF-8. It returns 0 for anything else: not
// a close frame, one not whole in the buffer yet, or a valid one, which
// coder/websocket answers. h and inMu as for announcesTooBigLocked; it
// never waits.
func (c *conn) badCloseLocked(h []byte) (protocol.CloseCode, string) {
	if h[0]&opcodeMask != opClose {
		return 0, ""
	}
	n := int(h[1] &^ maskBit)
	switch {
	case h[0]&0x80 == 0:
		return protocol.CloseFrameError, "fragmented close frame"
	case n > maxControlLen:
		return protocol.CloseFrameError, "close frame longer than 125 bytes"
	case h[1]&maskBit == 0:
		return protocol.CloseFrameError, "unmasked frame"
	}
	if c.in.Buffered() < 2+4+n {
		return 0, ""
	}
	f, _ := c.in.Peek(2 + 4 + n)
	mask, payload := f[2:6], make([]byte, n)
	for i := range payload {
		payload[i] = f[6+i] ^ mask[i%4]
	}
	switch {
	case n == 0:
		return 0, ""
	case n == 1:
		return protocol.CloseFrameError, "close frame with a one-byte payload"
	case !validCloseCode(binary.BigEndian.Uint16(payload)):
		return protocol.CloseFrameError, "close code a peer may not send"
	case !utf8.Valid(payload[2:]):
		return protocol.CloseInvalidData, "close reason is not valid UTF-8"
	}
	return 0, ""
}

// validCloseCode reports whether a peer may send code in a close frame:
// the RFC's 1000-1003 and 1007-1011, the IANA-registered 1012-1014, and
// the 3000-4999 range for libraries and applications. 1004-1006 and 1015
// are reserved for endpoints' own use, never sent.
func validCloseCode(code uint16) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014, code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// screen looks at the next frame before coder/websocket reads it and ends
// the connection for what must not be read (announcesTooBig) or answered
// by the library (badClose): the close frame goes out and the connection
// is dropped (see writer.close). It returns false when it ended the
// connection. ready says whether awaitFrame saw bytes.
func (c *conn) screen(ready bool) bool {
	code, why := protocol.CloseCode(0), ""
	c.inMu.Lock()
	if h, ok := c.nextHeaderLocked(ready); ok {
		if c.announcesTooBigLocked(h) {
			code, why = protocol.CloseTooBig, "frame larger than the limit"
		} else {
			code, why = c.badCloseLocked(h)
		}
	}
	c.inMu.Unlock()
	if code == 0 {
		return true
	}
	c.dropOnClose.Store(true)
	c.closeWith(code, why)
	return false
}

// nextHeaderLocked returns the first two bytes of the next frame when they
// are in the read buffer. With ready (awaitFrame said bytes are there) it
// reads at most once; otherwise it looks only at what is buffered (a
// connection whose first frames came with its handshake cannot wait: see
// upgrade.early). inMu must be held; false once the connection is closing
// (Close may be reading the buffer).
func (c *conn) nextHeaderLocked(ready bool) ([]byte, bool) {
	if c.inClosing || c.in == nil {
		return nil, false
	}
	if ready {
		if _, err := c.in.Peek(1); err != nil {
			return nil, false
		}
	}
	if c.in.Buffered() < 2 {
		return nil, false
	}
	h, _ := c.in.Peek(2)
	return h, true
}

package loadgen

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
)

// wireCount is what one member read off its TCP connection: every byte
// the server sent (handshake answer, WebSocket frame headers, payloads as
// they crossed the wire, compressed or not), and whether the handshake
// answer accepted permessage-deflate. coder/websocket reads the upgraded
// connection through the net.Conn the HTTP client dialed, so counting that
// conn's reads counts the whole connection. Counting costs one atomic add
// per Read call. Safe for concurrent use.
type wireCount struct {
	read    atomic.Int64
	deflate atomic.Bool
	// One counter per cache line: members' readers run on every core, and
	// counters side by side in a slice would bounce a shared line between
	// them on every read.
	_ [64 - 8 - 4]byte
}

// client returns an HTTP client for one member's handshake that counts
// into w: it dials like http.DefaultClient on loopback (no proxy; the
// dial's context bounds the handshake) with the conn wrapped.
func (w *wireCount) client() *http.Client {
	d := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: c, read: &w.read}, nil
	}}
	return &http.Client{Transport: &handshakeWatcher{tr: tr, w: w}}
}

// handshakeWatcher notes whether the handshake answer accepted
// permessage-deflate.
type handshakeWatcher struct {
	tr *http.Transport
	w  *wireCount
}

func (h *handshakeWatcher) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := h.tr.RoundTrip(r)
	if resp != nil && resp.StatusCode == http.StatusSwitchingProtocols {
		h.w.deflate.Store(strings.Contains(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate"))
	}
	return resp, err
}

// countingConn adds the bytes read from a connection to read.
type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.read.Add(int64(n))
	}
	return n, err
}

// wireTotals sums ws: bytes read so far and connections that negotiated
// permessage-deflate.
func wireTotals(ws []wireCount) (read int64, deflate int) {
	for i := range ws {
		read += ws[i].read.Load()
		if ws[i].deflate.Load() {
			deflate++
		}
	}
	return read, deflate
}

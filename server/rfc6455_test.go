package server_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
)

// A peer's close frame is checked before the WebSocket library reads it
// (RFC 6455 sections 5.5.1 and 7.4; Autobahn|Testsuite cases 7.3.2,
// 7.5.1, 7.9.x): a one-byte payload, a code a peer may not send, a
// fragmented or over-long close frame get 1002; a reason that is not UTF-8
// gets 1007; and the server then ends the TCP connection itself. A valid
// close frame is answered with its own code. On the protocol endpoint and
// on the plain /echo alike.
func TestCloseFrameConformance(t *testing.T) {
	t.Parallel()
	// 34 connections from one address at once.
	n := testnode.Start(t, server.Config{HandshakesPerSecond: 1000, MaxConnsPerIP: 1000})
	closePayload := func(code uint16, reason string) []byte {
		return append(binary.BigEndian.AppendUint16(nil, code), reason...)
	}
	notUTF8 := append(closePayload(1000, ""), 0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64)
	cases := []struct {
		name  string
		frame []byte
		want  uint16
	}{
		{"one-byte payload", maskedControl(0x88, []byte{0x03}), 1002},
		{"reason not UTF-8", maskedControl(0x88, notUTF8), 1007},
		{"fragmented close", maskedControl(0x08, closePayload(1000, "")), 1002},
		{"valid 1000", maskedControl(0x88, closePayload(1000, "bye")), 1000},
		{"valid 3000", maskedControl(0x88, closePayload(3000, "")), 3000},
	}
	for _, code := range []uint16{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		cases = append(cases, struct {
			name  string
			frame []byte
			want  uint16
		}{"code " + itoa(int(code)), maskedControl(0x88, closePayload(code, "")), 1002})
	}
	for _, ep := range []struct{ path, subprotocol, hello string }{
		{"/echo", "", ""},
		{"/ws", "switchboard.v1", `{"type":"hello","id":"h","name":"closer"}`},
	} {
		for _, tc := range cases {
			t.Run(ep.path+" "+tc.name, func(t *testing.T) {
				t.Parallel()
				conn, req := rawTCPTo(t, n, ep.path, ep.subprotocol)
				if _, err := conn.Write(req); err != nil {
					t.Fatal(err)
				}
				br := bufio.NewReader(conn)
				if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
					t.Fatalf("handshake: %v %v", resp, err)
				}
				out := tc.frame
				if ep.hello != "" {
					out = append(maskedFrame(ep.hello), out...)
				}
				if _, err := conn.Write(out); err != nil {
					t.Fatal(err)
				}
				for {
					opcode, payload, err := readServerFrame(br)
					if err != nil {
						t.Fatalf("no close frame: %v", err)
					}
					if opcode != 0x8 {
						continue
					}
					if len(payload) < 2 || binary.BigEndian.Uint16(payload) != tc.want {
						t.Fatalf("close frame %x, want code %d", payload, tc.want)
					}
					break
				}
				// The server ends the connection; the peer need not.
				conn.SetReadDeadline(time.Now().Add(4 * time.Second))
				for {
					if _, _, err := readServerFrame(br); err != nil {
						if err != io.EOF {
							t.Fatalf("after the close frame: %v, want the server to close the connection", err)
						}
						break
					}
				}
			})
		}
	}
}

// maskedControl is a client's frame with first byte b0 (FIN, opcode) and
// payload (at most 125 bytes), masked.
func maskedControl(b0 byte, payload []byte) []byte {
	mask := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	f := append([]byte{b0, 0x80 | byte(len(payload))}, mask[:]...)
	for i, b := range payload {
		f = append(f, b^mask[i%4])
	}
	return f
}

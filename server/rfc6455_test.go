package server_test

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
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

// rawTCP opens a plain TCP connection to n's WebSocket endpoint (closed
// with the test, every read and write bounded by 10 s) and returns it with
// the bytes of a WebSocket handshake request for switchboard.v1.
func rawTCP(t *testing.T, n *testnode.Node) (net.Conn, []byte) {
	t.Helper()
	return rawTCPTo(t, n, "/ws", protocol.Subprotocol)
}

// rawTCPTo is rawTCP for the endpoint at path, offering subprotocol (none
// if empty).
func rawTCPTo(t *testing.T, n *testnode.Node, path, subprotocol string) (net.Conn, []byte) {
	t.Helper()
	addr := strings.TrimPrefix(n.HTTP.URL, "http://")
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	key := make([]byte, 16)
	rand.Read(key)
	offer := ""
	if subprotocol != "" {
		offer = "Sec-WebSocket-Protocol: " + subprotocol + "\r\n"
	}
	return conn, fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
		path, addr, base64.StdEncoding.EncodeToString(key), offer)
}

// readServerFrame reads one (unmasked) frame the server sent.
func readServerFrame(br *bufio.Reader) (opcode byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return 0, nil, err
	}
	size := uint64(h[1] & 0x7f)
	switch size {
	case 126:
		var b [2]byte
		_, err = io.ReadFull(br, b[:])
		size = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		_, err = io.ReadFull(br, b[:])
		size = binary.BigEndian.Uint64(b[:])
	}
	if err != nil || size > 1<<20 {
		return 0, nil, fmt.Errorf("frame header: size %d, %v", size, err)
	}
	payload = make([]byte, size)
	_, err = io.ReadFull(br, payload)
	return h[0] & 0x0f, payload, err
}

// maskedFrame is a client's text frame holding payload.
func maskedFrame(payload string) []byte {
	mask := [4]byte{7, 1, 9, 3}
	f := []byte{0x81}
	if len(payload) < 126 {
		f = append(f, 0x80|byte(len(payload)))
	} else {
		f = binary.BigEndian.AppendUint16(append(f, 0x80|126), uint16(len(payload)))
	}
	f = append(f, mask[:]...)
	for i := range len(payload) {
		f = append(f, payload[i]^mask[i%4])
	}
	return f
}

// A client may send its first frames right behind the handshake, before it
// has the answer (one write holds the request, the hello and a command):
// they are read, in order, like any others.
func TestFramesBehindTheHandshake(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	conn, req := rawTCP(t, n)
	req = append(req, maskedFrame(`{"type":"hello","id":"h","name":"eager"}`)...)
	req = append(req, maskedFrame(`{"type":"rooms","id":"r"}`)...)
	if _, err := conn.Write(req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	var got string // the text frames (single events or batches), joined
	for !strings.Contains(got, `"ref":"r"`) {
		opcode, payload, err := readServerFrame(br)
		if err != nil {
			t.Fatalf("after %s: %v", got, err)
		}
		if opcode == 0x1 {
			got += string(payload)
		}
	}
	if w := strings.Index(got, `"welcome"`); w < 0 || w > strings.Index(got, `"ref":"r"`) {
		t.Fatalf("frames = %s, want the welcome, then the answer to r", got)
	}
	// Once those frames are read, the idle reader parks like any other
	// (Linux), and the connection goes on: frames sent now are read too.
	if runtime.GOOS == "linux" {
		testnode.WaitFor(t, 10*time.Second, "the eager connection's reader parked", func() bool { return n.ParkedReaders() == 1 })
	}
	for _, id := range []string{"r2", "r3"} {
		if _, err := conn.Write(maskedFrame(`{"type":"rooms","id":"` + id + `"}`)); err != nil {
			t.Fatal(err)
		}
		for answered := false; !answered; {
			opcode, payload, err := readServerFrame(br)
			if err != nil {
				t.Fatalf("no answer to %s: %v", id, err)
			}
			answered = opcode == 0x1 && strings.Contains(string(payload), `"ref":"`+id+`"`)
		}
	}
}

// A frame header announcing more than the limit (2^62 bytes here, with no
// payload behind it) is refused from the header alone: the closing event
// and a 1009 close frame come at once, and the server drops the connection
// without waiting for the payload or for a closing handshake (coder's
// waits 5 s; the peer here never answers).
func TestOversizeHeaderRefusedAtOnce(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	header := append(binary.BigEndian.AppendUint64([]byte{0x81, 0x80 | 127}, 1<<62), 1, 2, 3, 4)
	hello := maskedFrame(`{"type":"hello","id":"h","name":"huge"}`)
	t.Run("after the handshake", func(t *testing.T) {
		t.Parallel()
		conn, req := rawTCP(t, n)
		if _, err := conn.Write(req); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("handshake: %v %v", resp, err)
		}
		if _, err := conn.Write(append(slices.Clone(hello), header...)); err != nil {
			t.Fatal(err)
		}
		expectDropped(t, conn, br)
	})
	t.Run("behind the handshake", func(t *testing.T) {
		t.Parallel()
		conn, req := rawTCP(t, n)
		if _, err := conn.Write(append(append(req, hello...), header...)); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("handshake: %v %v", resp, err)
		}
		expectDropped(t, conn, br)
	})
}

// expectDropped reads a closing event announcing 1009, the 1009 close
// frame, then the end of the connection, which the server closes without
// waiting for a closing handshake.
func expectDropped(t *testing.T, conn net.Conn, br *bufio.Reader) {
	t.Helper()
	announced := false
	for {
		opcode, payload, err := readServerFrame(br)
		if err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		if opcode == 0x1 && strings.Contains(string(payload), `"closing"`) && strings.Contains(string(payload), "1009") {
			announced = true
		}
		if opcode == 0x8 {
			if len(payload) < 2 || binary.BigEndian.Uint16(payload) != uint16(protocol.CloseTooBig) || !announced {
				t.Fatalf("close frame %q (announced: %v), want 1009 after a closing event", payload, announced)
			}
			break
		}
	}
	// Well before a closing handshake would give up on this silent peer.
	conn.SetReadDeadline(time.Now().Add(4 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the close frame: %v, want the connection closed by the server", err)
	}
}

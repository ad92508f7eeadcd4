package gateway

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// handshakeError says why r is not a WebSocket opening handshake (RFC 6455,
// section 4.2.1) as a typed error and its HTTP status, after setting the
// headers the RFCs ask such an answer to carry; nil for a handshake.
// coder/websocket's Accept refuses the same requests, but in plain text:
// every endpoint here answers a refusal in JSON ({"error":{…}}).
func handshakeError(w http.ResponseWriter, r *http.Request) (int, *protocol.Error) {
	h := r.Header
	if !hasToken(h, "Connection", "upgrade") || !hasToken(h, "Upgrade", "websocket") {
		// A 426 names the protocol to upgrade to (RFC 9110, 15.5.22).
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "websocket")
		return http.StatusUpgradeRequired, protocol.Errorf(protocol.CodeBadRequest,
			"this is a WebSocket endpoint: open it with a WebSocket client (Connection: Upgrade, Upgrade: websocket)")
	}
	if h.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13") // RFC 6455, 4.4
		return http.StatusBadRequest, protocol.Errorf(protocol.CodeBadRequest, "unsupported WebSocket version: this server speaks 13")
	}
	keys := h.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return http.StatusBadRequest, protocol.Errorf(protocol.CodeBadRequest, "a WebSocket handshake carries one Sec-WebSocket-Key")
	}
	if key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keys[0])); err != nil || len(key) != 16 {
		return http.StatusBadRequest, protocol.Errorf(protocol.CodeBadRequest, "Sec-WebSocket-Key must be 16 bytes in base64")
	}
	return 0, nil
}

// hasToken reports whether a comma-separated header field of h holds
// token, in any case.
func hasToken(h http.Header, field, token string) bool {
	return headerHas(h, field, func(t string) bool { return strings.EqualFold(t, token) })
}

// headerHas reports whether a comma-separated header field of h holds a
// token (spaces trimmed) for which is returns true.
func headerHas(h http.Header, field string, is func(string) bool) bool {
	for _, v := range h.Values(field) {
		for t := range strings.SplitSeq(v, ",") {
			if is(strings.TrimSpace(t)) {
				return true
			}
		}
	}
	return false
}

package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Look-alike names cannot share a room (name_taken, with a suggestion),
// and nobody may speak as the server's reserved names, over WebSocket,
// plain text or the HTTP API. An operator's notice still comes as
// Operator, under an id no person can have.
func TestLookAlikeAndReservedNames(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{})
	ctx := testnode.Ctx(t)
	real := testnode.Dial(t, n.WS, "ctrl")
	if _, err := real.Join(ctx, "names"); err != nil {
		t.Fatal(err)
	}
	for _, fake := range []string{"сtrl", "ｃｔｒｌ", "ctrӏ", "CTRL"} {
		c := testnode.Dial(t, n.WS, fake)
		_, err := c.Join(ctx, "names")
		if perr := wantCode(t, err, protocol.CodeNameTaken); perr.Suggestion == "" {
			t.Errorf("%q: no suggestion", fake)
		}
	}
	for _, reserved := range []string{"Operator", "0perator", "аdmin", "System"} {
		// The Go client refuses it itself (the rule is shared), and so does
		// the server, for a client that sends it anyway.
		_, err := client.Dial(ctx, n.WS, client.Options{Name: reserved})
		wantCode(t, err, protocol.CodeInvalidName)
		ws := rawConn(t, n, `{"type":"hello","id":"h","name":"`+reserved+`"}`)
		expectError(t, ws, protocol.CodeInvalidName)
		res, err := http.Get(n.HTTP.URL + "/text/names/" + url.PathEscape(reserved))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("/text as %q: %s, want 400", reserved, res.Status)
		}
	}
}

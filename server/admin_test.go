package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/adminapi"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

const adminToken = "admin token for the tests, long enough"

// adminCall makes one admin API request with credential cred and decodes
// the answer into out (or the error body); it returns the status.
func adminCall(t *testing.T, method, url, cred string, body any, out any) (int, *protocol.Error) {
	t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	} else if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		var eb adminapi.ErrorBody
		if err := json.Unmarshal(data, &eb); err != nil || eb.Error == nil {
			t.Fatalf("%s %s: %s with a body that is no error: %q", method, url, resp.Status, data)
		}
		return resp.StatusCode, eb.Error
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %q", method, url, err, data)
		}
	}
	return resp.StatusCode, nil
}

// The admin API gives the whole cluster's view from any node (each node
// answers for itself over NATS): connections per node, the active rooms, a
// room's people with their node; and its actions reach people on every
// node: a notice appears as a message, a kick and a close remove people
// with the reason. Only the admin token or an admin's JWT opens it, and the
// log holds neither them nor the notice's text.
func TestAdminAPI(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	ext := testnode.NATS(t, t.TempDir(), "127.0.0.1:-1")
	cfg := withTokens(server.Config{NATSURL: ext.ClientURL(), AdminToken: adminToken})
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfgA, cfgB := cfg, cfg
	cfgA.Node, cfgB.Node = "node-a", "node-b"
	a := testnode.Start(t, cfgA)
	b := testnode.Start(t, cfgB)
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, a.WS, "ann")
	bob := testnode.Dial(t, b.WS, "bob")
	for _, c := range []*client.Conn{ann, bob} {
		if _, err := c.Join(ctx, "ops"); err != nil {
			t.Fatal(err)
		}
	}
	base := a.HTTP.URL

	// Who may use it.
	adminJWT := token(t, jwt.MapClaims{"sub": "root", "name": "Root", "role": "admin"})
	modJWT := token(t, jwt.MapClaims{"sub": "mod", "name": "Mod", "role": "moderator"})
	for _, row := range []struct {
		what, cred string
		status     int
		code       protocol.ErrorCode
	}{
		{"no credential", "", http.StatusUnauthorized, protocol.CodeTokenInvalid},
		{"a wrong token", "not the admin token at all", http.StatusUnauthorized, protocol.CodeTokenInvalid},
		{"a moderator's JWT", modJWT, http.StatusForbidden, protocol.CodeForbidden},
		{"the admin token", adminToken, http.StatusOK, ""},
		{"an admin's JWT", adminJWT, http.StatusOK, ""},
	} {
		status, perr := adminCall(t, "GET", base+adminapi.PathStats, row.cred, nil, nil)
		if status != row.status || (perr != nil && perr.Code != row.code) {
			t.Errorf("%s: %d %v, want %d %s", row.what, status, perr, row.status, row.code)
		}
	}

	// The cluster's view, from node a.
	var stats adminapi.Stats
	testnode.WaitFor(t, wait, "both nodes with one connection each and the room", func() bool {
		stats = adminapi.Stats{}
		adminCall(t, "GET", base+adminapi.PathStats, adminToken, nil, &stats)
		return len(stats.Nodes) == 2 && stats.Nodes[0].Connections == 1 && stats.Nodes[1].Connections == 1 &&
			len(stats.Rooms) == 1 && stats.Rooms[0].Online == 2
	})
	if stats.Nodes[0].Node != "node-a" || stats.Nodes[1].Node != "node-b" || stats.Total().Connections != 2 || !stats.Total().NATSConnected {
		t.Errorf("stats: %+v", stats)
	}
	var room adminapi.RoomMembers
	if status, perr := adminCall(t, "GET", base+adminapi.RoomPath("ops"), adminJWT, nil, &room); status != http.StatusOK {
		t.Fatalf("members: %d %v", status, perr)
	}
	where := map[string]string{}
	for _, m := range room.Members {
		where[m.Name] = m.Node
	}
	if len(room.Members) != 2 || where["ann"] != "node-a" || where["bob"] != "node-b" {
		t.Errorf("members of ops: %+v", room.Members)
	}

	// Bad input gets a typed error.
	for _, row := range []struct {
		what, method, path string
		body               any
		code               protocol.ErrorCode
	}{
		{"an invalid room", "GET", adminapi.RoomPath("no%20spaces"), nil, protocol.CodeInvalidRoom},
		{"an empty notice", "POST", adminapi.RoomPath("ops") + adminapi.SuffixNote, adminapi.Action{}, protocol.CodeInvalidText},
		{"an unknown field", "POST", adminapi.RoomPath("ops") + adminapi.SuffixNote, `{"text":"x","colour":"red"}`, protocol.CodeBadRequest},
		{"a key given twice", "POST", adminapi.RoomPath("ops") + adminapi.SuffixNote, `{"text":"x","text":"y"}`, protocol.CodeBadRequest},
		{"malformed JSON", "POST", adminapi.RoomPath("ops") + adminapi.SuffixShut, `{"text":`, protocol.CodeBadRequest},
		{"a kick without a user", "POST", adminapi.RoomPath("ops") + adminapi.SuffixKick, adminapi.Action{Text: "bye"}, protocol.CodeBadRequest},
		{"a body over the limit", "POST", adminapi.RoomPath("ops") + adminapi.SuffixNote, `{"text":"` + strings.Repeat("x", adminapi.MaxBodyBytes) + `"}`, protocol.CodeBadRequest},
	} {
		status, perr := adminCall(t, row.method, base+row.path, adminToken, row.body, nil)
		if status != http.StatusBadRequest || perr == nil || perr.Code != row.code {
			t.Errorf("%s: %d %v, want 400 %s", row.what, status, perr, row.code)
		}
	}

	// A notice reaches people on both nodes as a message from Operator.
	const notice = "maintenance at 18:00, secret detail 4711"
	var done adminapi.Done
	if status, perr := adminCall(t, "POST", base+adminapi.RoomPath("ops")+adminapi.SuffixNote, adminToken, adminapi.Action{Text: notice}, &done); status != http.StatusOK || !done.OK || done.Offset == 0 {
		t.Fatalf("notice: %d %v %+v", status, perr, done)
	}
	for _, c := range []*client.Conn{ann, bob} {
		ev, _ := testnode.WaitEvent(t, c, wait, "the notice", isMessage("ops", notice))
		if ev.User == nil || ev.User.Name != "Operator" || ev.User.Role != protocol.RoleAdmin || ev.Offset != done.Offset {
			t.Errorf("the notice came as %+v", ev)
		}
	}

	// Kick bob (on node b) from node a; then close the room: ann goes too.
	bobID := bob.Welcome().User.ID
	if status, perr := adminCall(t, "POST", base+adminapi.RoomPath("ops")+adminapi.SuffixKick, adminToken, adminapi.Action{User: bobID, Text: "cool off"}, &done); status != http.StatusOK {
		t.Fatalf("kick: %d %v", status, perr)
	}
	ev, _ := testnode.WaitEvent(t, bob, wait, "bob's kick", func(ev protocol.Event) bool { return ev.Type == protocol.EvKicked })
	if ev.Room != "ops" || ev.Text != "cool off" {
		t.Errorf("bob was kicked with %+v", ev)
	}
	testnode.WaitEvent(t, ann, wait, "bob leaving", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Left) == 1 && ev.Left[0].ID == bobID
	})
	if status, perr := adminCall(t, "POST", base+adminapi.RoomPath("ops")+adminapi.SuffixShut, adminJWT, adminapi.Action{}, &done); status != http.StatusOK {
		t.Fatalf("close: %d %v", status, perr)
	}
	ev, _ = testnode.WaitEvent(t, ann, wait, "ann removed by the close", func(ev protocol.Event) bool { return ev.Type == protocol.EvKicked })
	if ev.Room != "ops" || !strings.Contains(ev.Text, "closed") {
		t.Errorf("ann was removed with %+v", ev)
	}
	testnode.WaitFor(t, wait, "the room to be empty", func() bool {
		room = adminapi.RoomMembers{}
		adminCall(t, "GET", base+adminapi.RoomPath("ops"), adminToken, nil, &room)
		return len(room.Members) == 0
	})

	out := logs.String()
	if !strings.Contains(out, "admin action") {
		t.Error("admin actions are not logged")
	}
	for what, secret := range map[string]string{"the notice": notice, "the admin token": adminToken, "the admin's JWT": adminJWT} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %s", what)
		}
	}
}

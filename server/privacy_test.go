package server_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// An admin declares a room private (held across restarts) and public again;
// nobody else may.
func TestAdminDeclaresPrivateRooms(t *testing.T) {
	t.Parallel()
	cfg := withTokens(server.Config{DataDir: t.TempDir()})
	n := testnode.Start(t, cfg)
	ctx := testnode.Ctx(t)
	admin := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "a", "name": "Ada", "role": "admin"})})
	mod := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "m", "name": "Mo", "role": "moderator"})})
	_, err := mod.Do(ctx, protocol.Command{Type: protocol.CmdPrivate, Room: "vip"})
	wantCode(t, err, protocol.CodeForbidden)
	if _, err := admin.Do(ctx, protocol.Command{Type: protocol.CmdPrivate, Room: "vip"}); err != nil {
		t.Fatalf("admin declares vip private: %v", err)
	}
	anon := testnode.Dial(t, n.WS, "anon")
	_, err = anon.Join(ctx, "vip")
	wantCode(t, err, protocol.CodeForbidden)
	guest := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "g", "name": "Gil", "rooms": []string{"vip"}})})
	if _, err := guest.Join(ctx, "vip"); err != nil {
		t.Fatalf("a token naming vip: %v", err)
	}

	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.Shutdown(sctx, protocol.CloseRestart)
	n2 := testnode.Start(t, cfg)
	anon2 := testnode.Dial(t, n2.WS, "anon")
	_, err = anon2.Join(ctx, "vip")
	wantCode(t, err, protocol.CodeForbidden)
	admin2 := testnode.DialOpts(t, n2.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "a", "name": "Ada", "role": "admin"})})
	if _, err := admin2.Do(ctx, protocol.Command{Type: protocol.CmdPublic, Room: "vip"}); err != nil {
		t.Fatal(err)
	}
	if _, err := anon2.Join(ctx, "vip"); err != nil {
		t.Fatalf("after public again: %v", err)
	}
}

// Moderators moderate only the rooms they may enter: not rooms an admin
// declared private or the settings make private (unless their token names
// them), and, with a rooms claim, only those rooms. Admins moderate
// everywhere.
func TestModeratorsOnlyWhereTheyMayEnter(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, withTokens(server.Config{PrivateRooms: []string{"team-*"}}))
	ctx := testnode.Ctx(t)
	dial := func(claims jwt.MapClaims) *client.Conn {
		return testnode.DialOpts(t, n.WS, client.Options{Token: token(t, claims)})
	}
	admin := dial(jwt.MapClaims{"sub": "a", "name": "Ada", "role": "admin"})
	if _, err := admin.Do(ctx, protocol.Command{Type: protocol.CmdPrivate, Room: "vip"}); err != nil {
		t.Fatalf("admin declares vip private: %v", err)
	}
	guest := dial(jwt.MapClaims{"sub": "g", "name": "Gil", "rooms": []string{"vip", "team-red", "lobby"}})
	for _, room := range []string{"vip", "team-red", "lobby"} {
		if _, err := guest.Join(ctx, room); err != nil {
			t.Fatalf("guest joins %s: %v", room, err)
		}
	}
	guestID := guest.Welcome().User.ID
	everywhere := dial(jwt.MapClaims{"sub": "m1", "name": "Mo", "role": "moderator"})
	redOnly := dial(jwt.MapClaims{"sub": "m2", "name": "Red", "role": "moderator", "rooms": []string{"team-red"}})
	for _, row := range []struct {
		who     string
		c       *client.Conn
		typ     protocol.CommandType
		room    string
		allowed bool
	}{
		{"moderator without rooms, declared-private room", everywhere, protocol.CmdKick, "vip", false},
		{"moderator without rooms, ban in a declared-private room", everywhere, protocol.CmdBan, "vip", false},
		{"moderator without rooms, room private by pattern", everywhere, protocol.CmdKick, "team-red", false},
		{"moderator limited to team-red, public room", redOnly, protocol.CmdKick, "lobby", false},
		{"moderator limited to team-red, declared-private room", redOnly, protocol.CmdBan, "vip", false},
		{"moderator limited to team-red, in team-red", redOnly, protocol.CmdKick, "team-red", true},
		{"moderator without rooms, public room", everywhere, protocol.CmdKick, "lobby", true},
		{"admin, declared-private room", admin, protocol.CmdKick, "vip", true},
	} {
		// Refused commands aim at the guest (who must stay); allowed ones
		// at someone else.
		cmd := protocol.Command{Type: row.typ, Room: row.room, User: guestID, Text: "out"}
		if row.allowed {
			cmd.User = "someone-else"
		}
		if row.typ == protocol.CmdBan {
			cmd.Seconds = 60
		}
		_, err := row.c.Do(ctx, cmd)
		if row.allowed && err != nil {
			t.Errorf("%s: %s refused: %v", row.who, row.typ, err)
		}
		if !row.allowed {
			var perr *protocol.Error
			if !errors.As(err, &perr) || perr.Code != protocol.CodeForbidden {
				t.Errorf("%s: %s answered %v, want forbidden", row.who, row.typ, err)
			}
		}
	}
	// The refused kicks and bans did nothing: the guest is still in vip
	// (a banned or kicked guest would be refused or not joined).
	if _, err := guest.Send(ctx, "vip", "still here"); err != nil {
		t.Fatalf("the guest lost vip to a refused kick or ban: %v", err)
	}
}

// roomsIn returns the names a rooms event lists.
func roomsIn(ev protocol.Event) map[string]bool {
	names := make(map[string]bool)
	for _, r := range ev.Rooms {
		names[r.Name] = true
	}
	return names
}

// watchRooms asks c to watch the room directory.
func watchRooms(t *testing.T, c *client.Conn) {
	t.Helper()
	if _, err := c.Do(testnode.Ctx(t), protocol.Command{Type: protocol.CmdRooms}); err != nil {
		t.Fatalf("watch rooms: %v", err)
	}
}

// The live room directory lists a private room (by pattern, or declared by
// an admin, also after it is listed) only to watchers who may enter it:
// not to anonymous people or tokens that do not name it; tokens with rooms
// see only theirs; admins see every room.
func TestDirectoryHidesPrivateRooms(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, withTokens(server.Config{PrivateRooms: []string{"team-*"}}))
	ctx := testnode.Ctx(t)
	dial := func(claims jwt.MapClaims) *client.Conn {
		return testnode.DialOpts(t, n.WS, client.Options{Token: token(t, claims)})
	}
	admin := dial(jwt.MapClaims{"sub": "a", "name": "Ada", "role": "admin"})
	if _, err := admin.Do(ctx, protocol.Command{Type: protocol.CmdPrivate, Room: "vip"}); err != nil {
		t.Fatal(err)
	}
	guest := dial(jwt.MapClaims{"sub": "g", "name": "Gil", "rooms": []string{"vip", "team-red"}})
	for _, room := range []string{"vip", "team-red"} {
		if _, err := guest.Join(ctx, room); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := testnode.Dial(t, n.WS, "pat").Join(ctx, "lobby"); err != nil {
		t.Fatal(err)
	}

	anon := testnode.Dial(t, n.WS, "anon")
	member := dial(jwt.MapClaims{"sub": "u", "name": "Una"})
	vipOnly := dial(jwt.MapClaims{"sub": "v", "name": "Vi", "rooms": []string{"vip"}})
	for _, c := range []*client.Conn{anon, member, vipOnly, admin} {
		watchRooms(t, c)
	}
	for who, c := range map[string]*client.Conn{"an anonymous watcher": anon, "a token without rooms": member} {
		_, seen := testnode.WaitEvent(t, c, wait, who+" to see lobby", func(ev protocol.Event) bool {
			return ev.Type == protocol.EvRooms && roomsIn(ev)["lobby"]
		})
		for _, ev := range seen {
			if rooms := roomsIn(ev); rooms["vip"] || rooms["team-red"] {
				t.Fatalf("%s was shown private rooms: %+v", who, ev.Rooms)
			}
		}
	}
	_, seen := testnode.WaitEvent(t, vipOnly, wait, "the vip token to see vip", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvRooms && roomsIn(ev)["vip"]
	})
	for _, ev := range seen {
		if rooms := roomsIn(ev); rooms["lobby"] || rooms["team-red"] {
			t.Fatalf("a token naming only vip was shown other rooms: %+v", ev.Rooms)
		}
	}
	testnode.WaitEvent(t, admin, wait, "the admin to see every room", func(ev protocol.Event) bool {
		rooms := roomsIn(ev)
		return ev.Type == protocol.EvRooms && rooms["lobby"] && rooms["vip"] && rooms["team-red"]
	})

	// Declared private while listed: it leaves the lists of those who may
	// not enter, and comes back when public again.
	if _, err := admin.Do(ctx, protocol.Command{Type: protocol.CmdPrivate, Room: "lobby"}); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, anon, wait, "lobby to leave the anonymous list", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvRooms && !roomsIn(ev)["lobby"]
	})
	if _, err := admin.Do(ctx, protocol.Command{Type: protocol.CmdPublic, Room: "lobby"}); err != nil {
		t.Fatal(err)
	}
	testnode.WaitEvent(t, anon, wait, "lobby to come back", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvRooms && roomsIn(ev)["lobby"]
	})
}

// A ban made on one node keeps the person out when they join through
// another; the room directory of a node hides a room declared private
// through another node, though only that other node has members there.
func TestBansAndPrivacyAcrossNodes(t *testing.T) {
	t.Parallel()
	ext := testnode.NATS(t, t.TempDir(), "127.0.0.1:-1")
	a := testnode.Start(t, withTokens(server.Config{NATSURL: ext.ClientURL(), Node: "na"}))
	b := testnode.Start(t, withTokens(server.Config{NATSURL: ext.ClientURL(), Node: "nb"}))
	ctx := testnode.Ctx(t)
	mod := testnode.DialOpts(t, a.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "m", "name": "Mod", "role": "moderator"})})
	bob := testnode.Dial(t, a.WS, "bob")
	if _, err := bob.Join(ctx, "modroom"); err != nil {
		t.Fatal(err)
	}
	if _, err := mod.Do(ctx, protocol.Command{Type: protocol.CmdBan, Room: "modroom", User: bob.Welcome().User.ID, Seconds: 3600, Text: "banned"}); err != nil {
		t.Fatalf("ban on node a: %v", err)
	}
	testnode.WaitEvent(t, bob, wait, "being banned", func(ev protocol.Event) bool { return ev.Type == protocol.EvKicked && ev.Time > 0 })
	bobOnB := testnode.DialOpts(t, b.WS, client.Options{Name: "bob", Session: bob.Welcome().Session})
	if bobOnB.Welcome().User.ID != bob.Welcome().User.ID {
		t.Fatalf("bob's session names another person on node b")
	}
	_, err := bobOnB.Join(ctx, "modroom")
	wantCode(t, err, protocol.CodeBanned)
	if _, err := testnode.Dial(t, b.WS, "carol").Join(ctx, "modroom"); err != nil {
		t.Fatalf("someone not banned joins on node b: %v", err)
	}

	admin := testnode.DialOpts(t, b.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "a", "name": "Ada", "role": "admin"})})
	if _, err := admin.Do(ctx, protocol.Command{Type: protocol.CmdPrivate, Room: "vip"}); err != nil {
		t.Fatal(err)
	}
	guest := testnode.DialOpts(t, b.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "g", "name": "Gil", "rooms": []string{"vip"}})})
	if _, err := guest.Join(ctx, "vip"); err != nil {
		t.Fatal(err)
	}
	anon := testnode.Dial(t, a.WS, "anon")
	watchRooms(t, anon)
	_, seen := testnode.WaitEvent(t, anon, 15*time.Second, "node a's list to show modroom", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvRooms && roomsIn(ev)["modroom"]
	})
	for _, ev := range seen {
		if roomsIn(ev)["vip"] {
			t.Fatalf("node a listed the private room vip to an anonymous watcher: %+v", ev.Rooms)
		}
	}
}

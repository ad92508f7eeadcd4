package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/identity"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

var jwtSecret = []byte("test secret of at least 32 bytes!!")

// withTokens is a config whose nodes accept HS256 tokens signed with
// jwtSecret (issuer "site", audience "switchboard").
func withTokens(cfg server.Config) server.Config {
	cfg.Tokens = identity.TokenConfig{HS256Secret: jwtSecret, Audience: "switchboard", Issuer: "site"}
	return cfg
}

// token signs claims, filling the standard ones that are not given.
func token(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	full := jwt.MapClaims{"iss": "site", "aud": "switchboard", "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(full, k)
		} else {
			full[k] = v
		}
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, full).SignedString(jwtSecret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tokenRows are the bad-token rows of TestBadInputs.
func tokenRows() []badInput {
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	_ = edPub
	otherKey, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"sub": "1", "name": "eve", "iss": "site", "aud": "switchboard", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(edPriv)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{
		"sub": "1", "name": "eve", "iss": "site", "aud": "switchboard", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	wrongSecret, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "1", "name": "eve", "iss": "site", "aud": "switchboard", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte("another secret of at least 32 bytes"))
	// refused checks the client's answer (token_invalid), then that the
	// connection closes with 4501, announced first.
	refused := func(tok func(testing.TB) string) func(*testing.T, *testnode.Node) {
		return func(t *testing.T, n *testnode.Node) {
			ctx := testnode.Ctx(t)
			_, err := client.Dial(ctx, n.WS, client.Options{Name: "eve", Token: tok(t)})
			wantCode(t, err, protocol.CodeTokenInvalid)
			closes([]string{`{"type":"hello","id":"h","token":"` + tok(t) + `"}`}, protocol.CloseUnauthorized)(t, n)
		}
	}
	fixed := func(s string) func(testing.TB) string { return func(testing.TB) string { return s } }
	claims := func(c jwt.MapClaims) func(testing.TB) string {
		return func(t testing.TB) string { return token(t, c) }
	}
	cfg := withTokens(server.Config{})
	return []badInput{
		{"JWT with alg none", cfg, refused(fixed(none))},
		{"JWT signed by an unknown key", cfg, refused(fixed(otherKey))},
		{"JWT with the wrong secret", cfg, refused(fixed(wrongSecret))},
		{"JWT without exp", cfg, refused(claims(jwt.MapClaims{"sub": "1", "name": "eve", "exp": nil}))},
		{"JWT expired", cfg, refused(claims(jwt.MapClaims{"sub": "1", "name": "eve", "exp": time.Now().Add(-time.Hour).Unix()}))},
		{"JWT for another audience", cfg, refused(claims(jwt.MapClaims{"sub": "1", "name": "eve", "aud": "elsewhere"}))},
		{"JWT from another issuer", cfg, refused(claims(jwt.MapClaims{"sub": "1", "name": "eve", "iss": "evil"}))},
		{"JWT with an unknown role", cfg, refused(claims(jwt.MapClaims{"sub": "1", "name": "eve", "role": "root"}))},
		{"JWT on a server without keys", server.Config{}, refused(claims(jwt.MapClaims{"sub": "1", "name": "eve"}))},
		{"private room without a token", withTokens(server.Config{PrivateRooms: []string{"team-*"}}), func(t *testing.T, n *testnode.Node) {
			c := testnode.Dial(t, n.WS, "outsider")
			_, err := c.Join(testnode.Ctx(t), "team-red")
			wantCode(t, err, protocol.CodeForbidden)
		}},
		{"kick without being a moderator", server.Config{}, func(t *testing.T, n *testnode.Node) {
			c := testnode.Dial(t, n.WS, "upstart")
			ctx := testnode.Ctx(t)
			_, err := c.Do(ctx, protocol.Command{Type: protocol.CmdKick, Room: guarded, User: "u1", Text: "bye"})
			wantCode(t, err, protocol.CodeForbidden)
		}},
	}
}

// A token names the person, their role and rooms; private rooms take only
// tokens that name them; refreshing keeps a connection past the first
// token's expiry, which otherwise closes it with 4502.
func TestTokensAndPrivateRooms(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, withTokens(server.Config{PrivateRooms: []string{"team-*"}}))
	ctx := testnode.Ctx(t)
	red := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "42", "name": "Ruby", "rooms": []string{"team-red", "lobby"}})})
	if u := red.Welcome().User; u.Name != "Ruby" || u.ID == "" || u.Role != "" {
		t.Fatalf("welcome user = %+v, want Ruby as a member", u)
	}
	if _, err := red.Join(ctx, "team-red"); err != nil {
		t.Fatalf("join the private room the token names: %v", err)
	}
	_, err := red.Join(ctx, "team-blue")
	wantCode(t, err, protocol.CodeForbidden)
	_, err = red.Join(ctx, "general") // public, but not in the token's rooms
	wantCode(t, err, protocol.CodeForbidden)

	soon := time.Now().Add(1500 * time.Millisecond).Unix()
	lapsing := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "7", "name": "Lapse", "exp": soon})})
	refreshed := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "8", "name": "Fresh", "exp": soon})})
	if _, err := refreshed.Do(ctx, protocol.Command{Type: protocol.CmdRefresh, Token: token(t, jwt.MapClaims{"sub": "8", "name": "Fresh"})}); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	_, err = refreshed.Do(ctx, protocol.Command{Type: protocol.CmdRefresh, Token: token(t, jwt.MapClaims{"sub": "9", "name": "Other"})})
	wantCode(t, err, protocol.CodeTokenInvalid)
	select {
	case <-lapsing.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the unrefreshed connection outlived its token")
	}
	if code := client.CloseCode(lapsing.Err()); code != protocol.CloseTokenExpired {
		t.Fatalf("expiry closed with %d (%v), want 4502", code, lapsing.Err())
	}
	if err := refreshed.Ping(ctx); err != nil {
		t.Fatalf("the refreshed connection died with its first token: %v", err)
	}
}

// Moderators delete anyone's message, kick with a reason shown to the
// person, and ban for a while; bans hold across a restart.
func TestModeration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := withTokens(server.Config{DataDir: dir})
	n := testnode.Start(t, cfg)
	ctx := testnode.Ctx(t)
	mod := testnode.DialOpts(t, n.WS, client.Options{Token: token(t, jwt.MapClaims{"sub": "m", "name": "Mod", "role": "moderator"})})
	if mod.Welcome().User.Role != protocol.RoleModerator {
		t.Fatalf("moderator's welcome = %+v", mod.Welcome().User)
	}
	bob := testnode.Dial(t, n.WS, "bob")
	for _, c := range []*client.Conn{mod, bob} {
		if _, err := c.Join(ctx, "modroom"); err != nil {
			t.Fatal(err)
		}
	}
	ack, err := bob.Send(ctx, "modroom", "spam spam")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mod.Do(ctx, protocol.Command{Type: protocol.CmdDelete, Room: "modroom", Target: ack.Offset}); err != nil {
		t.Fatalf("moderator deletes bob's message: %v", err)
	}
	testnode.WaitEvent(t, bob, wait, "the delete", func(ev protocol.Event) bool { return ev.Type == protocol.EvDelete && ev.Target == ack.Offset })

	bobID := bob.Welcome().User.ID
	if _, err := mod.Do(ctx, protocol.Command{Type: protocol.CmdKick, Room: "modroom", User: bobID, Text: "cool it"}); err != nil {
		t.Fatalf("kick: %v", err)
	}
	kicked, _ := testnode.WaitEvent(t, bob, wait, "being kicked", func(ev protocol.Event) bool { return ev.Type == protocol.EvKicked })
	if kicked.Text != "cool it" || kicked.Room != "modroom" {
		t.Fatalf("kicked event = %+v, want the reason", kicked)
	}
	testnode.WaitEvent(t, mod, wait, "bob leaving", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPresence && len(ev.Left) == 1 && ev.Left[0].ID == bobID
	})
	_, err = bob.Send(ctx, "modroom", "back?")
	wantCode(t, err, protocol.CodeNotJoined)
	// A kick is no ban: bob may come back.
	if _, err := bob.Join(ctx, "modroom"); err != nil {
		t.Fatalf("rejoin after a kick: %v", err)
	}
	if _, err := mod.Do(ctx, protocol.Command{Type: protocol.CmdBan, Room: "modroom", User: bobID, Seconds: 3600, Text: "banned"}); err != nil {
		t.Fatalf("ban: %v", err)
	}
	testnode.WaitEvent(t, bob, wait, "being banned", func(ev protocol.Event) bool { return ev.Type == protocol.EvKicked && ev.Time > 0 })
	_, err = bob.Join(ctx, "modroom")
	wantCode(t, err, protocol.CodeBanned)

	// The ban holds after a restart, for the same person (same session).
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.Shutdown(sctx, protocol.CloseRestart)
	n2 := testnode.Start(t, cfg)
	bob2 := testnode.DialOpts(t, n2.WS, client.Options{Name: "bob", Session: bob.Welcome().Session})
	_, err = bob2.Join(ctx, "modroom")
	wantCode(t, err, protocol.CodeBanned)
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Logs, even at debug level, never hold tokens, session tokens, secrets or
// message bodies.
func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	cfg := withTokens(server.Config{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	n := testnode.Start(t, cfg)
	ctx := testnode.Ctx(t)
	tok := token(t, jwt.MapClaims{"sub": "s", "name": "Sam"})
	sam := testnode.DialOpts(t, n.WS, client.Options{Token: tok})
	if _, err := sam.Join(ctx, "quiet"); err != nil {
		t.Fatal(err)
	}
	const body = "my bank PIN is 4242"
	if _, err := sam.Send(ctx, "quiet", body); err != nil {
		t.Fatal(err)
	}
	bad := token(t, jwt.MapClaims{"sub": "x", "name": "X", "aud": "elsewhere"})
	client.Dial(ctx, n.WS, client.Options{Token: bad})
	anon := testnode.Dial(t, n.WS, "anon")
	again := testnode.DialOpts(t, n.WS, client.Options{Name: "anon", Session: anon.Welcome().Session})
	again.Close()
	anon.Close()
	waitFor(t, wait, "the closes to be logged", func() bool { return strings.Count(logs.String(), "connection closed") >= 3 })
	out := logs.String()
	for what, secret := range map[string]string{
		"a token": tok, "a refused token": bad, "a session token": anon.Welcome().Session,
		"the JWT secret": string(jwtSecret), "a message body": body,
	} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %s", what)
		}
	}
	if !strings.Contains(out, "token refused") {
		t.Error("the refused token was not logged at all (by its reason)")
	}
}

// Rotating the session key keeps people signed in: sessions signed with the
// last three keys verify on every node (a running node learns a new key at
// once), and older ones no longer do.
func TestSessionKeyRotation(t *testing.T) {
	t.Parallel()
	ext := testnode.NATS(t, t.TempDir(), "127.0.0.1:-1")
	cfg := func(rotate bool) server.Config {
		return server.Config{NATSURL: ext.ClientURL(), RotateSessionKey: rotate}
	}
	a := testnode.Start(t, cfg(false))
	first := testnode.Dial(t, a.WS, "rosa")
	user, s1 := first.Welcome().User.ID, first.Welcome().Session
	sameOn := func(n *testnode.Node, session string) bool {
		c := testnode.DialOpts(t, n.WS, client.Options{Name: "rosa", Session: session})
		defer c.Close()
		return c.Welcome().User.ID == user
	}

	b := testnode.Start(t, cfg(true)) // generation 2
	if !sameOn(b, s1) {
		t.Fatal("after a rotation, a session signed with the old key was refused")
	}
	viaB := testnode.DialOpts(t, b.WS, client.Options{Name: "rosa", Session: s1})
	s2 := viaB.Welcome().Session
	waitFor(t, wait, "the running node to learn the new key", func() bool { return sameOn(a, s2) })

	testnode.Start(t, cfg(true)) // generation 3
	testnode.Start(t, cfg(true)) // generation 4: generation 1 retires
	waitFor(t, wait, "the oldest key to retire on the running node", func() bool { return !sameOn(a, s1) })
	if !sameOn(a, s2) {
		t.Fatal("a session signed two rotations ago no longer verifies")
	}
}

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

package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
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
	testnode.WaitFor(t, wait, "the closes to be logged", func() bool { return strings.Count(logs.String(), "connection closed") >= 3 })
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
	testnode.WaitFor(t, wait, "the running node to learn the new key", func() bool { return sameOn(a, s2) })

	testnode.Start(t, cfg(true)) // generation 3
	testnode.Start(t, cfg(true)) // generation 4: generation 1 retires
	testnode.WaitFor(t, wait, "the oldest key to retire on the running node", func() bool { return !sameOn(a, s1) })
	if !sameOn(a, s2) {
		t.Fatal("a session signed two rotations ago no longer verifies")
	}
}

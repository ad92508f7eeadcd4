package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/api"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

const (
	newsKey  = "news-key-0123456789abcdef0123"
	otherKey = "other-key-0123456789abcdef012"
)

var apiKeys = []api.Key{
	{Name: "newsroom", Secret: newsKey, Rooms: []string{"news", "alerts-*"}},
	{Name: "other", Secret: otherKey, Rooms: []string{"other"}},
}

// apiCall makes one request and decodes the JSON answer into out (if set).
func apiCall(t *testing.T, n *testnode.Node, method, path, key, body string, out any) (int, protocol.Error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, n.HTTP.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q, body %s", method, path, ct, data)
	}
	var e struct{ Error protocol.Error }
	if res.StatusCode >= 300 {
		if err := json.Unmarshal(data, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("%s %s: %d with an untyped error body %s", method, path, res.StatusCode, data)
		}
	} else if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return res.StatusCode, e.Error
}

// A backend publishes into a room (the people there see it, a retry is
// stored once), pages through its history, reads its presence and lists
// the rooms, all within its key's room patterns.
func TestAPIPublishHistoryPresenceRooms(t *testing.T) {
	t.Parallel()
	var logs testnode.Output
	n := testnode.Start(t, server.Config{APIKeys: apiKeys, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx := testnode.Ctx(t)
	web := testnode.Dial(t, n.WS, "reader")
	for _, room := range []string{"news", "lobby"} {
		if _, err := web.Join(ctx, room); err != nil {
			t.Fatal(err)
		}
	}

	var msg protocol.Event
	code, _ := apiCall(t, n, "POST", "/api/v1/rooms/news/messages", newsKey, `{"sender":"Newsbot","text":"extra!","id":"n-1"}`, &msg)
	if code != http.StatusCreated || msg.Type != protocol.EvMessage || msg.Offset != 1 || msg.User.Name != "Newsbot" || msg.Text != "extra!" || msg.Room != "news" {
		t.Fatalf("publish: %d %+v", code, msg)
	}
	testnode.WaitEvent(t, web, 10*time.Second, "the published message", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvMessage && ev.Room == "news" && ev.User.Name == "Newsbot" && ev.Text == "extra!"
	})
	var again protocol.Event
	apiCall(t, n, "POST", "/api/v1/rooms/news/messages", newsKey, `{"sender":"Newsbot","text":"extra!","id":"n-1"}`, &again)
	if again.Offset != 1 {
		t.Fatalf("a retried publish was stored again at %d", again.Offset)
	}
	for i := 2; i <= 7; i++ {
		if code, e := apiCall(t, n, "POST", "/api/v1/rooms/news/messages", newsKey, `{"sender":"Newsbot","text":"item `+strconv.Itoa(i)+`"}`, nil); code != http.StatusCreated {
			t.Fatalf("publish %d: %d %+v", i, code, e)
		}
	}

	// Paging backwards, 3 at a time: 5-7, 2-4, 1.
	var offsets []uint64
	path := "/api/v1/rooms/news/messages?limit=3"
	for pages := 0; ; pages++ {
		var page api.HistoryPage
		if code, e := apiCall(t, n, "GET", path, newsKey, "", &page); code != http.StatusOK {
			t.Fatalf("history: %d %+v", code, e)
		}
		if page.Last != 7 || page.Room != "news" || len(page.Events) == 0 || pages > 3 {
			t.Fatalf("history page %d: %+v", pages, page)
		}
		var these []uint64
		for _, ev := range page.Events {
			these = append(these, ev.Offset)
		}
		offsets = append(these, offsets...)
		if !page.More {
			break
		}
		path = "/api/v1/rooms/news/messages?limit=3&before=" + strconv.FormatUint(page.NextBefore, 10)
	}
	if got := fmt.Sprint(offsets); got != "[1 2 3 4 5 6 7]" {
		t.Fatalf("paged offsets %s, want 1..7", got)
	}

	var pres api.Presence
	if code, e := apiCall(t, n, "GET", "/api/v1/rooms/news/presence", newsKey, "", &pres); code != http.StatusOK || pres.Count != 1 || pres.Members[0].Name != "reader" {
		t.Fatalf("presence: %d %+v %+v", code, pres, e)
	}
	apiCall(t, n, "GET", "/api/v1/rooms/alerts-empty/presence", newsKey, "", &pres)
	if pres.Count != 0 || pres.Members == nil {
		t.Fatalf("presence of an empty room: %+v", pres)
	}

	// The list holds news (the key's) but not lobby (outside its patterns).
	testnode.WaitFor(t, 10*time.Second, "news in the room list", func() bool {
		var list api.RoomList
		apiCall(t, n, "GET", "/api/v1/rooms", newsKey, "", &list)
		return len(list.Rooms) == 1 && list.Rooms[0] == protocol.RoomInfo{Name: "news", Online: 1}
	})

	var doc map[string]any
	if code, _ := apiCall(t, n, "GET", "/api/v1/openapi.json", "", "", &doc); code != http.StatusOK || doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json: %d", code)
	}
	if strings.Contains(logs.String(), newsKey) {
		t.Fatal("the log shows an API key")
	}
}

// Every refusal is a typed JSON error with the right status: no key, a bad
// key, a room outside the key's patterns, bad bodies and parameters, an
// unknown endpoint, too many requests.
func TestAPIRefusals(t *testing.T) {
	t.Parallel()
	var logs testnode.Output
	n := testnode.Start(t, server.Config{APIKeys: apiKeys, APIRequestsPerSecond: 1000,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	msgs := "/api/v1/rooms/news/messages"
	good := `{"sender":"bot","text":"hi"}`
	for _, tc := range []struct {
		name, method, path, key, body string
		status                        int
		code                          protocol.ErrorCode
	}{
		{"no key", "POST", msgs, "", good, 401, api.CodeUnauthorized},
		{"bad key", "POST", msgs, newsKey + "x", good, 401, api.CodeUnauthorized},
		{"bad key on a read", "GET", "/api/v1/rooms", "nope", "", 401, api.CodeUnauthorized},
		{"room outside the patterns", "POST", "/api/v1/rooms/lobby/messages", newsKey, good, 403, protocol.CodeForbidden},
		{"another key's room", "GET", "/api/v1/rooms/news/presence", otherKey, "", 403, protocol.CodeForbidden},
		{"history outside the patterns", "GET", "/api/v1/rooms/alerts/messages", newsKey, "", 403, protocol.CodeForbidden},
		{"bad room name", "GET", "/api/v1/rooms/alerts-a.b/messages", newsKey, "", 400, protocol.CodeInvalidRoom},
		{"unknown field", "POST", msgs, newsKey, `{"sender":"bot","text":"hi","as":"admin"}`, 400, protocol.CodeBadRequest},
		{"a key given twice", "POST", msgs, newsKey, `{"sender":"bot","text":"first","text":"second"}`, 400, protocol.CodeBadRequest},
		{"null body", "POST", msgs, newsKey, `null`, 400, protocol.CodeBadRequest},
		{"not JSON", "POST", msgs, newsKey, `sender=bot`, 400, protocol.CodeBadRequest},
		{"two objects", "POST", msgs, newsKey, good + good, 400, protocol.CodeBadRequest},
		{"too big", "POST", msgs, newsKey, `{"sender":"bot","text":"` + strings.Repeat("x", 20000) + `"}`, 400, protocol.CodeBadRequest},
		{"no sender", "POST", msgs, newsKey, `{"text":"hi"}`, 400, protocol.CodeInvalidName},
		{"a reserved sender", "POST", msgs, newsKey, `{"sender":"Operator","text":"hi"}`, 400, protocol.CodeInvalidName},
		{"empty text", "POST", msgs, newsKey, `{"sender":"bot","text":"  "}`, 400, protocol.CodeInvalidText},
		{"bad id", "POST", msgs, newsKey, `{"sender":"bot","text":"hi","id":"a b"}`, 400, protocol.CodeInvalidID},
		{"limit 0", "GET", msgs + "?limit=0", newsKey, "", 400, protocol.CodeBadRequest},
		{"limit too big", "GET", msgs + "?limit=201", newsKey, "", 400, protocol.CodeBadRequest},
		{"bad before", "GET", msgs + "?before=-3", newsKey, "", 400, protocol.CodeBadRequest},
		{"unknown endpoint", "GET", "/api/v1/nothing", newsKey, "", 404, protocol.CodeNotFound},
		{"wrong method", "DELETE", msgs, newsKey, "", 404, protocol.CodeNotFound},
	} {
		code, e := apiCall(t, n, tc.method, tc.path, tc.key, tc.body, nil)
		if code != tc.status || e.Code != tc.code {
			t.Errorf("%s: %d %+v, want %d %s", tc.name, code, e, tc.status, tc.code)
		}
	}
	if strings.Contains(logs.String(), newsKey) || strings.Contains(logs.String(), otherKey) {
		t.Fatal("the log shows an API key")
	}

	// Nothing was stored by any of them.
	var page api.HistoryPage
	apiCall(t, n, "GET", msgs, newsKey, "", &page)
	if page.Last != 0 {
		t.Fatalf("refused publishes stored %d events", page.Last)
	}

	slow := testnode.Start(t, server.Config{APIKeys: apiKeys, APIRequestsPerSecond: 1})
	var codes []int
	for range 3 { // burst 2
		code, _ := apiCall(t, slow, "GET", "/api/v1/rooms", newsKey, "", nil)
		codes = append(codes, code)
	}
	if codes[2] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v, want the third 429", codes)
	}
}

// Presence asked on a node with nobody in the room comes from the nodes
// that have people there.
func TestAPIPresenceAcrossNodes(t *testing.T) {
	t.Parallel()
	ext := testnode.NATS(t, t.TempDir(), "127.0.0.1:-1")
	a := testnode.Start(t, server.Config{NATSURL: ext.ClientURL(), Node: "pa", APIKeys: apiKeys})
	b := testnode.Start(t, server.Config{NATSURL: ext.ClientURL(), Node: "pb", APIKeys: apiKeys})
	ctx := testnode.Ctx(t)
	for _, name := range []string{"ann", "bob"} {
		c := testnode.Dial(t, a.WS, name)
		if _, err := c.Join(ctx, "alerts-x"); err != nil {
			t.Fatal(err)
		}
	}
	testnode.WaitFor(t, 15*time.Second, "node pb to report ann and bob", func() bool {
		var pres api.Presence
		apiCall(t, b, "GET", "/api/v1/rooms/alerts-x/presence", newsKey, "", &pres)
		return pres.Count == 2 && pres.Members[0].Name == "ann" && pres.Members[1].Name == "bob"
	})
}

// A backend publishes live data points into a room's feed: a client that
// follows the feed receives them in order, a retry is stored once, and the
// key's room patterns and the point rules apply.
func TestAPIPublishPoints(t *testing.T) {
	t.Parallel()
	n := testnode.Start(t, server.Config{APIKeys: apiKeys})
	ctx := testnode.Ctx(t)
	viewer := testnode.Dial(t, n.WS, "viewer")
	if _, err := viewer.Join(ctx, "news"); err != nil {
		t.Fatal(err)
	}
	if _, err := viewer.Feed(ctx, "news"); err != nil {
		t.Fatal(err)
	}
	var ack protocol.Event
	body := `{"id":"p-1","points":[{"series":"BTC","value":64000.5,"unit":"USD"},{"series":"ETH","value":3100,"unit":"USD"}]}`
	if code, e := apiCall(t, n, "POST", "/api/v1/rooms/news/points", newsKey, body, &ack); code != http.StatusCreated || ack.Offset != 1 || ack.Epoch == "" {
		t.Fatalf("publish points: %d %+v, ack %+v", code, e, ack)
	}
	got, _ := testnode.WaitEvent(t, viewer, wait, "the API's points", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvPoints && ev.Room == "news"
	})
	if got.Offset != 1 || len(got.Points) != 2 || got.Points[0].Series != "BTC" || got.Points[0].Value != 64000.5 || got.Points[1].Time == 0 {
		t.Fatalf("points event %+v", got)
	}
	var again protocol.Event
	apiCall(t, n, "POST", "/api/v1/rooms/news/points", newsKey, body, &again)
	if again.Offset != 1 {
		t.Errorf("a retried publish answered offset %d, want the first (1)", again.Offset)
	}
	for _, tc := range []struct {
		name, path, body string
		status           int
		code             protocol.ErrorCode
	}{
		{"no points", "/api/v1/rooms/news/points", `{"points":[]}`, http.StatusBadRequest, protocol.CodeInvalidPoint},
		{"no series", "/api/v1/rooms/news/points", `{"points":[{"value":1}]}`, http.StatusBadRequest, protocol.CodeInvalidPoint},
		{"not JSON", "/api/v1/rooms/news/points", `{"points":`, http.StatusBadRequest, protocol.CodeBadRequest},
		{"outside the key's rooms", "/api/v1/rooms/lobby/points", `{"points":[{"series":"a","value":1}]}`, http.StatusForbidden, protocol.CodeForbidden},
	} {
		if code, e := apiCall(t, n, "POST", tc.path, newsKey, tc.body, nil); code != tc.status || e.Code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, code, e.Code, tc.status, tc.code)
		}
	}
}

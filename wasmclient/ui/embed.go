package ui

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// The embed page (/embed/{room}) is the room page in a compact layout,
// framed by the loader script (/embed.js) on another site. It talks to the
// loader with window.postMessage: every message is a string that starts
// with EmbedMessagePrefix followed by one JSON embedMessage, and each side
// posts only to the other's exact origin and accepts only messages from it.
//
// The page learns its parent's origin from the "origin" query parameter
// the loader sets. It trusts it only when it is one of the server's embed
// origins (EnvEmbedOrigins; the server's Content-Security-Policy
// frame-ancestors already refuses any other parent) and, where the browser
// says who the parent is (location.ancestorOrigins), when that agrees.
// Otherwise the page works on its own without a bridge.

// EmbedMessagePrefix starts every message between the loader and the page.
const EmbedMessagePrefix = "switchboard:embed:v1:"

// embedConfigWait is how long the page waits for the loader's config (the
// site's token) before connecting without it.
const embedConfigWait = 3 * time.Second

// Message types. From the loader: config (answer to ready: the token and
// whether the panel is open), open (the panel opened or closed), token (a
// new token; "" signs out), room (show another room). To the loader: ready
// (the page listens), message (a new message in the room), unread (the
// count of messages that arrived while the panel was closed).
const (
	embedConfig  = "config"
	embedOpen    = "open"
	embedToken   = "token"
	embedRoom    = "room"
	embedReady   = "ready"
	embedMessage = "message"
	embedUnread  = "unread"
)

// embedMsg is one message between the loader and the page.
type embedMsg struct {
	Type   string `json:"type"`
	Room   string `json:"room,omitempty"`
	Token  string `json:"token,omitempty"`
	Open   bool   `json:"open,omitempty"`
	Count  int    `json:"count,omitempty"`
	User   string `json:"user,omitempty"`
	Text   string `json:"text,omitempty"`
	Offset uint64 `json:"offset,omitempty"`
	Mine   bool   `json:"mine,omitempty"`
	// Page is the host page's address (config; a visitor's conversation
	// tells the agents where they write from).
	Page string `json:"page,omitempty"`
}

// encodeEmbed returns m as a prefixed message string.
func encodeEmbed(m embedMsg) string {
	b, _ := json.Marshal(m)
	return EmbedMessagePrefix + string(b)
}

// decodeEmbed parses a prefixed message string; ok is false for anything
// else (other scripts' messages, malformed JSON, unknown types).
func decodeEmbed(s string) (m embedMsg, ok bool) {
	body, found := strings.CutPrefix(s, EmbedMessagePrefix)
	if !found || json.Unmarshal([]byte(body), &m) != nil {
		return embedMsg{}, false
	}
	switch m.Type {
	case embedConfig, embedOpen, embedToken, embedRoom:
		return m, true
	}
	return embedMsg{}, false
}

// embedOptions are what the loader tells the page in its URL.
type embedOptions struct {
	// Origin is the parent's origin, "" when it is not an allowed one.
	Origin string
	// Accent is a CSS colour (#rgb, #rrggbb, #rrggbbaa), "" for the default.
	Accent string
}

var accentPattern = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$`)

// parseEmbedOptions reads the embed page's query: origin is kept only if
// it is exactly one of allowed (comma-separated), accent only if it is a
// hex colour.
func parseEmbedOptions(q url.Values, allowed string) embedOptions {
	var o embedOptions
	if origin := q.Get("origin"); origin != "" {
		for _, a := range strings.Split(allowed, ",") {
			if strings.TrimSpace(a) == origin {
				o.Origin = origin
				break
			}
		}
	}
	if a := q.Get("accent"); accentPattern.MatchString(a) {
		o.Accent = a
	}
	return o
}

// embedBridge is the page's side of the postMessage channel. It is used on
// the UI goroutine only.
type embedBridge struct {
	opts   embedOptions
	parent app.Value
	// open reports whether the loader shows the panel (always in an inline
	// target). Until the loader says so, the page counts as closed.
	open bool
	// configured is set once the loader's config arrived (or the wait for
	// it ended).
	configured bool
	unread     int    // last unread count posted
	page       string // the host page's address, when valid (config)
}

// newEmbedBridge prepares the bridge from the page's URL. Its opts.Origin
// is "" (no bridge) unless the parent is an allowed origin.
func newEmbedBridge(u *url.URL) *embedBridge {
	b := &embedBridge{opts: parseEmbedOptions(u.Query(), app.Getenv(EnvEmbedOrigins))}
	win := app.Window()
	b.parent = win.Get("parent")
	if !b.parent.Truthy() || b.parent.Equal(win) {
		b.opts.Origin = "" // not framed
	}
	// Where the browser names the parent, it must be the one the URL says.
	if anc := win.Get("location").Get("ancestorOrigins"); anc.Truthy() && anc.Get("length").Int() > 0 {
		if anc.Call("item", 0).String() != b.opts.Origin {
			b.opts.Origin = ""
		}
	}
	return b
}

// active reports whether the page talks to its parent.
func (b *embedBridge) active() bool { return b != nil && b.opts.Origin != "" }

// post sends m to the parent, only at its exact origin.
func (b *embedBridge) post(m embedMsg) {
	if !b.active() {
		return
	}
	b.parent.Call("postMessage", encodeEmbed(m), b.opts.Origin)
}

// listen calls fn on the UI goroutine for each valid message from the
// parent, and returns the function that stops listening.
func (b *embedBridge) listen(ctx app.Context, fn func(app.Context, embedMsg)) (release func()) {
	if !b.active() {
		return func() {}
	}
	win := app.Window()
	f := app.FuncOf(func(_ app.Value, args []app.Value) any {
		if len(args) == 0 {
			return nil
		}
		ev := args[0]
		if ev.Get("origin").String() != b.opts.Origin || !ev.Get("source").Equal(b.parent) {
			return nil
		}
		data := ev.Get("data")
		if data.Type() != app.TypeString {
			return nil
		}
		m, ok := decodeEmbed(data.String())
		if !ok {
			return nil
		}
		ctx.Dispatch(func(ctx app.Context) { fn(ctx, m) })
		return nil
	})
	win.Call("addEventListener", "message", f)
	return func() {
		win.Call("removeEventListener", "message", f)
		f.Release()
	}
}

// applyAccent sets the page's accent colour.
func (b *embedBridge) applyAccent() {
	if b.opts.Accent == "" {
		return
	}
	style := app.Window().Get("document").Get("documentElement").Get("style")
	for _, v := range []string{"--accent", "--accent-hover", "--focus"} {
		style.Call("setProperty", v, b.opts.Accent)
	}
}

// newEmbedPage makes the embed route's component: a room page in its
// compact layout.
func newEmbedPage() app.Composer { return &roomPage{embedded: true} }

// mountEmbed starts the bridge of an embed page (from OnMount). With an
// allowed parent it says ready and waits (at most embedConfigWait) for the
// loader's config before connecting, so a site's token is used from the
// first connection; without one it connects at once.
func (c *roomPage) mountEmbed(ctx app.Context) (connectNow bool) {
	b := newEmbedBridge(ctx.Page().URL())
	c.embed = b
	b.applyAccent()
	if !b.active() {
		b.open, b.configured = true, true
		return true
	}
	c.model.setHidden(c.hiddenNow())
	c.release = append(c.release, b.listen(ctx, c.onEmbedMessage))
	b.post(embedMsg{Type: embedReady, Room: c.room})
	ctx.After(embedConfigWait, func(ctx app.Context) {
		if !b.configured && c.embed == b {
			b.configured = true
			c.startEmbedded(ctx)
		}
	})
	return false
}

// startEmbedded connects with what the page has: the site's token, or the
// stored nickname, or asks for one.
func (c *roomPage) startEmbedded(ctx app.Context) {
	if c.id.Name == "" && c.token == "" {
		c.needName = true
		return
	}
	c.connect(ctx, c.id.Name)
}

// onEmbedMessage handles a message from the loader.
func (c *roomPage) onEmbedMessage(ctx app.Context, m embedMsg) {
	b := c.embed
	switch m.Type {
	case embedConfig:
		c.setEmbedOpen(m.Open)
		c.token = m.Token
		if protocol.ValidatePage(m.Page) == nil {
			b.page = m.Page
		}
		if !b.configured {
			b.configured = true
			c.startEmbedded(ctx)
		}
	case embedOpen:
		c.setEmbedOpen(m.Open)
		if m.Open {
			ctx.Defer(func(app.Context) {
				scrollToBottom(idScroll)
				focusElement(idComposer)
			})
		}
	case embedToken:
		if m.Token == c.token {
			return
		}
		c.token = m.Token
		if !b.configured {
			return // the config's wait connects with it
		}
		if c.token == "" && c.id.Name == "" {
			c.stop()
			c.needName = true
			return
		}
		c.connect(ctx, c.id.Name)
	case embedRoom:
		if protocol.ValidateRoom(m.Room) != nil || m.Room == c.room {
			return
		}
		u := *ctx.Page().URL()
		u.Path = pagePath(embedPrefix + m.Room)
		ctx.NavigateTo(&u)
	}
}

// setEmbedOpen records whether the loader shows the panel: a closed panel
// counts as a hidden tab, so messages count as unread.
func (c *roomPage) setEmbedOpen(open bool) {
	c.embed.open = open
	c.model.setHidden(c.hiddenNow())
	c.postUnread()
}

// hiddenNow reports whether the person cannot see the room: the tab is
// hidden, or the embedding site's panel is closed.
func (c *roomPage) hiddenNow() bool {
	return !tabVisible() || (c.embed != nil && !c.embed.open)
}

// postUnread tells the loader the unread count when it changed.
func (c *roomPage) postUnread() {
	b := c.embed
	if !b.active() || b.unread == c.model.unread {
		return
	}
	b.unread = c.model.unread
	b.post(embedMsg{Type: embedUnread, Room: c.room, Count: b.unread})
}

// postLive tells the loader about a live message in the room.
func (c *roomPage) postLive(ev protocol.Event) {
	if !c.embed.active() || ev.Type != protocol.EvMessage {
		return
	}
	m := embedMsg{Type: embedMessage, Room: ev.Room, Text: ev.Text, Offset: ev.Offset}
	if ev.User != nil {
		m.User = ev.User.Name
		m.Mine = ev.User.ID == c.model.me.ID
	}
	c.embed.post(m)
	c.postUnread()
}

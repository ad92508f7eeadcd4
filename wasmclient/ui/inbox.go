package ui

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// keyInboxRead holds, per conversation, the offset of the newest message
// the agent has seen from the inbox (a map of room to offset).
const keyInboxRead = "switchboard/inbox-read"

// inboxConv is one conversation in the agents' inbox.
type inboxConv struct {
	room    string
	visitor string // the visitor's name
	last    string // the newest message, on one line
	lastBy  string // who wrote it
	at      int64  // when (Unix ms)
	unread  int    // visitor messages after the last answer or opening
	newest  uint64 // offset (in the conversation) of its newest message
	page    string // the page the visitor last wrote from
	// resolved: an agent resolved it, and the visitor has not written
	// since.
	resolved bool
}

// inboxPage (/inbox) lists the support conversations, newest first, live
// for every agent at once: each visitor message counts as unread until
// an agent answers or opens the conversation. Agents sign in with a site
// token whose role is moderator or admin (kept where room pages find it,
// so the conversations they open sign in the same way). It owns its
// session like a room page.
type inboxPage struct {
	app.Compo

	token    string
	tokenErr string
	phase    client.Phase
	err      string
	me       protocol.User

	convs   []inboxConv
	seen    uint64 // the newest agents' inbox event applied
	read    map[string]uint64
	notify  string // the browser's notification permission
	mounted bool
	// mountCtx is the page's own context (from OnMount): the session's
	// reports are dispatched through it, since an event handler's context
	// ends with its element (the sign-in form is gone once signed in).
	mountCtx app.Context

	sess   *client.Session
	cancel context.CancelFunc
}

func (p *inboxPage) OnNav(ctx app.Context) { ctx.Page().SetTitle("Inbox – Switchboard") }

func (p *inboxPage) OnMount(ctx app.Context) {
	p.mounted, p.mountCtx = true, ctx
	p.token = loadToken()
	ctx.LocalStorage().Get(keyInboxRead, &p.read)
	p.notify = notificationPermission()
	if p.token != "" {
		p.start(ctx)
	}
}

func (p *inboxPage) OnDismount() { p.stop() }

func (p *inboxPage) stop() {
	if p.cancel != nil {
		p.cancel()
	}
	p.sess, p.cancel = nil, nil
}

// start runs the agent's session: it joins the agents' inbox and applies
// what arrives.
func (p *inboxPage) start(ctx app.Context) {
	p.stop()
	p.convs, p.err = nil, ""
	var s *client.Session
	mine := func(fn func(ctx app.Context)) {
		ctx.Dispatch(func(ctx app.Context) {
			if p.sess == s {
				fn(ctx)
			}
		})
	}
	s = client.NewSession(client.SessionOptions{
		URLs:  []string{serverURL()},
		Token: p.token,
		OnState: func(st client.State) {
			mine(func(ctx app.Context) {
				p.phase = st.Phase
				if st.Phase == client.Offline && st.Err != nil {
					p.err = "The server refused this token: " + st.Err.Error()
				}
			})
		},
		OnWelcome: func(ev protocol.Event) {
			mine(func(ctx app.Context) {
				if ev.User != nil {
					p.me = *ev.User
				}
			})
		},
	})
	s.Join(protocol.AgentsInbox)
	sctx, cancel := context.WithCancel(context.Background())
	p.sess, p.cancel = s, cancel
	ctx.Async(func() { s.Run(sctx) })
	ctx.Async(func() {
		for ev := range s.Events() {
			mine(func(ctx app.Context) { p.apply(ctx, ev) })
		}
	})
}

// apply takes an event of the agents' inbox.
func (p *inboxPage) apply(ctx app.Context, ev protocol.Event) {
	switch ev.Type {
	case protocol.EvJoined:
		if !ev.Recovered {
			p.convs, p.seen = nil, 0
		}
		for _, e := range ev.Events {
			p.add(e, false)
		}
	case protocol.EvDirect, protocol.EvResolved, protocol.EvReopened:
		p.add(ev, true)
	case protocol.EvError:
		if ev.Error != nil && ev.Error.Code == protocol.CodeForbidden {
			p.err = "This token is not an agent's: the inbox needs a site token whose role is moderator or admin."
			p.stop()
			return
		}
		if ev.Error != nil {
			p.err = plainError(ev.Error)
		}
	default:
		ctx.PreventUpdate()
	}
}

// add applies one direct event: the conversation moves to the top with
// its newest message; a visitor's message counts as unread, an agent's
// answers them.
func (p *inboxPage) add(ev protocol.Event, live bool) {
	owner, ok := protocol.ConversationOwner(ev.Conversation)
	if !ok || ev.User == nil || (ev.Offset != 0 && ev.Offset <= p.seen) {
		return // not about a conversation, or seen (a rejoin repeats history)
	}
	p.seen = max(p.seen, ev.Offset)
	i := slices.IndexFunc(p.convs, func(c inboxConv) bool { return c.room == ev.Conversation })
	if i < 0 {
		p.convs = append(p.convs, inboxConv{room: ev.Conversation})
		i = len(p.convs) - 1
	}
	c := &p.convs[i]
	switch ev.Type {
	case protocol.EvResolved, protocol.EvReopened:
		c.resolved = ev.Type == protocol.EvResolved
		return
	case protocol.EvDirect:
	default:
		return
	}
	if ev.Target <= c.newest {
		return // seen
	}
	c.newest, c.at, c.lastBy = ev.Target, ev.Time, ev.User.Name
	c.last = snippet(ev.Text, 140)
	fromVisitor := ev.User.ID == owner
	switch {
	case fromVisitor:
		c.visitor, c.resolved = ev.User.Name, false // a new message reopens it
		if ev.Page != "" {
			c.page = ev.Page
		}
		if ev.Target > p.read[c.room] {
			c.unread++
		}
	default:
		c.unread = 0 // answered
	}
	if live && fromVisitor {
		notifyAgent(c.visitor, c.last)
	}
	slices.SortStableFunc(p.convs, func(a, b inboxConv) int { return cmpOffset(uint64(b.at), uint64(a.at)) })
}

// onOpen marks a conversation read as the agent opens it.
func (p *inboxPage) onOpen(room string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		for i := range p.convs {
			if p.convs[i].room == room {
				if p.read == nil {
					p.read = make(map[string]uint64)
				}
				p.read[room] = p.convs[i].newest
				p.convs[i].unread = 0
			}
		}
		ctx.LocalStorage().Set(keyInboxRead, p.read)
	}
}

// onResolve resolves (or reopens) a conversation for every agent.
func (p *inboxPage) onResolve(room string, resolve bool) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		typ, done := protocol.CmdResolve, "resolved"
		if !resolve {
			typ, done = protocol.CmdReopen, "reopened"
		}
		s := p.sess
		if s == nil {
			return
		}
		// Not through the outbox: it would join the conversation first.
		ctx.Async(func() {
			rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := s.Do(rctx, protocol.Command{Type: typ, Room: room})
			p.mountCtx.Dispatch(func(app.Context) {
				if err != nil && p.sess == s {
					p.err = "The conversation could not be " + done + ": " + err.Error()
				}
			})
		})
	}
}

func (p *inboxPage) onSignIn(ctx app.Context, e app.Event) {
	e.PreventDefault()
	tok := cleanToken(inputValue(idInboxToken))
	if tok == "" {
		p.tokenErr = "Paste your agent token."
		return
	}
	app.Window().Get("localStorage").Call("setItem", keyToken, tok)
	p.token, p.tokenErr = tok, ""
	p.start(p.mountCtx)
}

func (p *inboxPage) onSignOut(ctx app.Context, e app.Event) {
	p.stop()
	app.Window().Get("localStorage").Call("removeItem", keyToken)
	p.token, p.convs, p.err = "", nil, ""
}

func (p *inboxPage) onNotify(ctx app.Context, e app.Event) {
	n := app.Window().Get("Notification")
	if !n.Truthy() {
		return
	}
	var answered app.Func
	answered = app.FuncOf(func(this app.Value, args []app.Value) any {
		answered.Release() // called once
		p.mountCtx.Dispatch(func(app.Context) { p.notify = notificationPermission() })
		return nil
	})
	n.Call("requestPermission").Call("then", answered)
}

// notificationPermission is the browser's notification permission
// ("granted", "denied", "default"), or "" without notifications.
func notificationPermission() string {
	n := app.Window().Get("Notification")
	if !n.Truthy() {
		return ""
	}
	return n.Get("permission").String()
}

// notifyAgent shows a browser notification of a visitor's message while
// the inbox is not in front (permission granted; no sound).
func notifyAgent(visitor, text string) {
	if notificationPermission() != "granted" || tabVisible() {
		return
	}
	app.Window().Get("Notification").New("New message from "+visitor, map[string]any{"body": text, "silent": true})
}

func (p *inboxPage) Render() app.UI {
	if !p.mounted {
		return app.Div().Class("sb-app sb-home")
	}
	if p.token == "" || p.sess == nil && p.err != "" {
		return landing("Agent inbox", "The widget's conversations: sign in with your agent token (a site token whose role is moderator or admin).",
			app.Form().Class("sb-form").OnSubmit(p.onSignIn).Body(
				app.Div().Class("sb-field").Body(
					app.Label().For(idInboxToken).Class("sb-label").Text("Agent token"),
					app.Div().Class("sb-input-wrap").Body(
						app.Textarea().ID(idInboxToken).Class("sb-input").Rows(3).Aria("describedby", idInboxTokenErr).Attr("spellcheck", "false"),
					),
				),
				app.P().ID(idInboxTokenErr).Class("sb-hint sb-hint-error").Aria("live", "polite").Text(firstNonEmpty(p.tokenErr, p.err)),
				app.Button().Type("submit").Class("sb-button sb-button-primary sb-button-block").Text("Open inbox"),
			))
	}
	var open, resolved []app.UI
	for _, c := range p.convs {
		if c.resolved {
			resolved = append(resolved, p.renderConv(c))
		} else {
			open = append(open, p.renderConv(c))
		}
	}
	status := "Connecting…"
	if p.phase == client.Connected {
		status = "Live"
	}
	return app.Div().Class("sb-app sb-home").Body(
		app.Main().Class("sb-landing sb-inbox").Body(
			app.Div().Class("sb-card").Body(
				app.H1().Class("sb-title").Text("Inbox"),
				app.P().Class("sb-lead").Body(
					app.Span().Role("status").Aria("label", "Connection").Text(status),
					app.Text(" · signed in as "+firstNonEmpty(p.me.Name, "an agent")+" · "),
					app.Button().Type("button").Class("sb-link-button").OnClick(p.onSignOut).Text("Sign out"),
				),
				app.If(p.notify == "default", func() app.UI {
					return app.Button().Type("button").Class("sb-button sb-button-small").OnClick(p.onNotify).Text("Notify me of new messages")
				}),
				app.If(p.err != "", func() app.UI { return app.P().Class("sb-hint sb-hint-error").Role("alert").Text(p.err) }),
				app.If(len(open) == 0, func() app.UI {
					return app.P().Class("sb-rooms-empty").Text("No open conversations. They appear here as visitors write.")
				}).Else(func() app.UI {
					return app.Ul().Class("sb-inbox-list").Aria("label", "Open conversations").Body(open...)
				}),
				app.If(len(resolved) > 0, func() app.UI {
					return app.Div().Body(
						app.H2().Class("sb-online-heading sb-inbox-heading").Text("Resolved"),
						app.Ul().Class("sb-inbox-list sb-inbox-resolved").Aria("label", "Resolved conversations").Body(resolved...),
					)
				}),
			),
		),
	)
}

// renderConv is one conversation: a link that opens it (named with the
// visitor, the unread count, the page and the last message) and the
// button that resolves or reopens it.
func (p *inboxPage) renderConv(c inboxConv) app.UI {
	who := firstNonEmpty(c.visitor, "a visitor")
	label := "Conversation with " + who
	if c.unread > 0 {
		label += ", " + strconv.Itoa(c.unread) + " unread"
	}
	label += ": " + c.lastBy + ": " + c.last
	class := "sb-inbox-item"
	if c.unread > 0 {
		class += " sb-inbox-unread"
	}
	action, verb := "Resolve", "Resolve the conversation with "+who
	if c.resolved {
		action, verb = "Reopen", "Reopen the conversation with "+who
	}
	return app.Li().Class("sb-inbox-row").Body(
		app.A().Class(class).Href(pagePath(roomPrefix+c.room)).Aria("label", label).OnClick(p.onOpen(c.room)).Body(
			app.Span().Class("sb-inbox-who").Aria("hidden", true).Text(firstNonEmpty(c.visitor, "Visitor")),
			app.Span().Class("sb-inbox-when").Aria("hidden", true).Text(time.UnixMilli(c.at).Format("15:04")),
			app.Span().Class("sb-inbox-last").Aria("hidden", true).Text(c.lastBy+": "+c.last),
			app.If(c.unread > 0, func() app.UI {
				return app.Span().Class("sb-badge").Aria("hidden", true).Text(unreadText(c.unread))
			}),
			app.If(c.page != "", func() app.UI {
				return app.Span().Class("sb-inbox-page").Title(c.page).Text("on " + pageShort(c.page))
			}),
		),
		app.Button().Type("button").Class("sb-button sb-button-small").Aria("label", verb).OnClick(p.onResolve(c.room, !c.resolved)).Text(action),
	)
}

// pageShort is a page address without its scheme, for the inbox.
func pageShort(page string) string {
	_, rest, ok := strings.Cut(page, "://")
	if !ok {
		return page
	}
	return snippet(rest, 60)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

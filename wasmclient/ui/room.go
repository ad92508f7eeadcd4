package ui

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// roomPage is the page at "/r/{room}". Without a stored nickname it asks for
// one; with one it runs a session for the room and shows its messages, its
// members, the connection state and the composer.
//
// The page owns its session: it starts it in OnMount (browser only) with
// ctx.Async, keeps the cancel function, and cancels it in OnDismount or when
// it starts another. The session reports through pageObserver, whose methods
// hand every change to ctx.Dispatch, so the page's fields only change on the
// UI goroutine.
type roomPage struct {
	app.Compo

	room string

	// The nickname form, when there is no nickname or the server refused it.
	needName bool
	nameHint string // nickname to prefill
	nameErr  string // why the server refused it

	id    identity
	model roomModel

	draftLen       int    // characters in the composer
	sendErr        string // why the last message could not be sent
	browserOffline bool   // the browser says it has no network
	updateReady    bool   // a new build is ready; reload when convenient
	expectUpdate   bool   // the server runs a new build; go-app is updating
	focusOnJoin    bool   // move focus to the composer at the next joined
	mounted        bool   // running in the browser: the composer is shown
	suspended      bool   // the page was hidden (pagehide) with a session
	// swallowBreak is set while an Enter that sent a message is down, so
	// the line break a synthesized "char" event (CDP, some input methods)
	// inserts after the cancelled keydown is dropped too.
	swallowBreak bool

	sess    *session
	cancel  context.CancelFunc
	release []func()
}

// CompoID makes a navigation from one room to another replace the page (and
// its session) instead of updating it in place: a new page has no room yet.
func (c *roomPage) CompoID() string { return c.room }

// OnNav reads the room from the URL and sets the title. It runs on the
// server too; it starts nothing.
func (c *roomPage) OnNav(ctx app.Context) {
	c.room = roomFromPath(ctx.Page().URL().Path)
	ctx.Page().SetTitle("#" + c.room + " · Switchboard")
}

// OnMount runs in the browser only. It starts the session when a nickname
// is stored, and listens for the browser's network and visibility changes.
func (c *roomPage) OnMount(ctx app.Context) {
	c.mounted = true
	c.room = roomFromPath(ctx.Page().URL().Path)
	c.browserOffline = !browserOnline()
	win := app.Window()
	c.release = append(c.release,
		listen(ctx, win, "online", func(app.Context) {
			c.browserOffline = false
			c.wake()
		}),
		listen(ctx, win, "offline", func(app.Context) { c.browserOffline = true }),
		listen(ctx, win.Get("document"), "visibilitychange", func(app.Context) {
			if tabVisible() {
				c.wake()
			}
		}),
		// A page left for another one may be kept alive in the back/forward
		// cache, socket included, and would look present in the room. Close
		// the connection when the page hides; resume when it shows again.
		listen(ctx, win, "pagehide", func(app.Context) {
			if c.sess != nil {
				c.stop()
				c.suspended = true
			}
		}),
		listen(ctx, win, "pageshow", func(ctx app.Context) {
			if c.suspended {
				c.suspended = false
				c.connect(ctx, c.id.Name, true)
			}
		}),
	)
	ctx.Handle(actionJoin, func(ctx app.Context, a app.Action) {
		if req, ok := a.Value.(joinRequest); ok {
			c.connect(ctx, req.Name, false)
		}
	})

	c.id = loadIdentity(ctx.LocalStorage())
	if c.id.Name == "" {
		c.needName = true
		return
	}
	c.connect(ctx, c.id.Name, false)
}

// OnDismount stops the session and the listeners.
func (c *roomPage) OnDismount() {
	c.stop()
	for _, release := range c.release {
		release()
	}
	c.release = nil
}

// OnAppUpdate reloads into a new build once the server said it has one
// (a welcome with a new boot id, after which the page asked go-app to
// update), unless the person is typing. go-app also calls it on the very
// first visit, when its service worker takes control of the page: that is
// not a new build, and reloading then would lose what the person typed.
func (c *roomPage) OnAppUpdate(ctx app.Context) {
	if !c.expectUpdate {
		return
	}
	if strings.TrimSpace(inputValue(idComposer)) == "" {
		ctx.Reload()
		return
	}
	c.updateReady = true
}

// connect (re)starts the session as nickname name. With resume it keeps
// the messages shown, resumes after the last one and sends the messages
// still waiting; otherwise it starts afresh.
func (c *roomPage) connect(ctx app.Context, name string, resume bool) {
	c.stop()
	if c.room == "" {
		return
	}
	c.id = loadIdentity(ctx.LocalStorage())
	c.needName, c.nameErr = false, ""
	cfg := sessionConfig{
		Room:    c.room,
		Name:    name,
		Session: c.id.helloSession(name),
	}
	if resume {
		cfg.Resume, cfg.Outbox = c.model.position(), c.model.unsent()
	} else {
		c.model = roomModel{}
		c.focusOnJoin = true
	}
	sctx, cancel := context.WithCancel(ctx)
	s := newSession(cfg)
	// The observer names its session, so it is set once the session
	// exists, before Run starts.
	s.obs = &pageObserver{ctx: ctx, page: c, sess: s}
	c.sess, c.cancel = s, cancel
	ctx.Async(func() { s.Run(sctx) })
}

// stop cancels the running session, if any. Its goroutine ends on its own;
// anything it still reports is ignored (see pageObserver).
func (c *roomPage) stop() {
	if c.cancel != nil {
		c.cancel()
	}
	c.sess, c.cancel = nil, nil
}

func (c *roomPage) wake() {
	if c.sess != nil {
		c.sess.Wake()
	}
}

func (c *roomPage) onRetry(ctx app.Context, e app.Event) {
	if c.sess == nil && !c.needName && c.id.Name != "" {
		c.connect(ctx, c.id.Name, true)
		return
	}
	c.wake()
}

func (c *roomPage) onReload(ctx app.Context, e app.Event) { ctx.Reload() }

// onComposerKey sends on Enter; Shift+Enter (and Enter while an input
// method is composing) inserts a new line as usual. Other keys change
// nothing on the page, so they cause no render.
func (c *roomPage) onComposerKey(ctx app.Context, e app.Event) {
	if e.Get("key").String() != "Enter" || e.Get("shiftKey").Bool() || e.Get("isComposing").Bool() {
		ctx.PreventUpdate()
		return
	}
	e.PreventDefault()
	c.swallowBreak = true
	c.send(ctx)
}

func (c *roomPage) onComposerKeyUp(ctx app.Context, e app.Event) {
	c.swallowBreak = false
	ctx.PreventUpdate()
}

func (c *roomPage) onComposerBeforeInput(ctx app.Context, e app.Event) {
	ctx.PreventUpdate()
	if !c.swallowBreak {
		return
	}
	switch e.Get("inputType").String() {
	case "insertLineBreak", "insertParagraph":
		e.PreventDefault()
	}
}

// onComposerInput keeps the character count; the page renders only when
// the counter or the error it shows changes.
func (c *roomPage) onComposerInput(ctx app.Context, e app.Event) {
	before, hadErr := c.draftLen, c.sendErr != ""
	c.draftLen = utf8.RuneCountInString(ctx.JSSrc().Get("value").String())
	if c.sendErr != "" && c.draftLen <= protocol.MaxTextRunes {
		c.sendErr = ""
	}
	if before < counterFrom && c.draftLen < counterFrom && hadErr == (c.sendErr != "") {
		ctx.PreventUpdate()
	}
}

func (c *roomPage) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.send(ctx)
}

// send validates the composer's text, queues it, and empties the composer
// with the focus kept in it.
func (c *roomPage) send(ctx app.Context) {
	text := strings.TrimSpace(inputValue(idComposer))
	focusElement(idComposer)
	if text == "" {
		return
	}
	if err := protocol.ValidateText(text); err != nil {
		c.sendErr = sentence(err.Message)
		return
	}
	if c.sess == nil {
		c.sendErr = "Not connected. Press “Retry now” and send again."
		return
	}
	id := c.sess.Send(text)
	c.model.addPending(id, text)
	c.sendErr, c.model.notice = "", ""
	clearInput(idComposer)
	c.draftLen = 0
	ctx.Defer(func(app.Context) { scrollToBottom(idScroll) })
}

// roomFromPath returns the room of a room page path, or "" if it has none.
func roomFromPath(path string) string {
	room := strings.TrimPrefix(path, roomPrefix)
	if room == path || protocol.ValidateRoom(room) != nil {
		return ""
	}
	return room
}

// pageObserver hands what a session sees to its page, on the UI goroutine.
// Reports of a session the page has since replaced or stopped are dropped.
type pageObserver struct {
	ctx  app.Context
	page *roomPage
	sess *session
}

// do runs fn on the UI goroutine if the session is still the page's.
func (o *pageObserver) do(fn func(ctx app.Context, c *roomPage)) {
	o.ctx.Dispatch(func(ctx app.Context) {
		if o.page.sess != o.sess {
			return
		}
		fn(ctx, o.page)
	})
}

func (o *pageObserver) status(st connStatus) {
	o.do(func(_ app.Context, c *roomPage) { c.model.status = st })
}

func (o *pageObserver) welcome(me protocol.User, token string, newBoot bool) {
	o.do(func(ctx app.Context, c *roomPage) {
		c.model.me = me
		name := me.Name
		if name == "" {
			name = c.id.Name
		}
		c.id = identity{Name: name, Session: token}
		storeIdentity(ctx.LocalStorage(), c.id)
		if newBoot {
			c.expectUpdate = true
			app.TryUpdate()
		}
	})
}

func (o *pageObserver) joined(ev protocol.Event, msgs []protocol.Event, reset bool) {
	o.do(func(ctx app.Context, c *roomPage) {
		c.model.applyJoined(ev, msgs, reset)
		focus := c.focusOnJoin
		c.focusOnJoin = false
		ctx.Defer(func(app.Context) {
			scrollToBottom(idScroll)
			if focus {
				focusElement(idComposer)
			}
		})
	})
}

func (o *pageObserver) message(ev protocol.Event) {
	o.do(func(ctx app.Context, c *roomPage) {
		stick := nearBottom(idScroll) || (ev.User != nil && ev.User.ID == c.model.me.ID)
		c.model.applyMessage(ev)
		if stick {
			ctx.Defer(func(app.Context) { scrollToBottom(idScroll) })
		}
	})
}

func (o *pageObserver) presence(ev protocol.Event) {
	o.do(func(_ app.Context, c *roomPage) { c.model.applyPresence(ev) })
}

func (o *pageObserver) serverError(err *protocol.Error) {
	o.do(func(_ app.Context, c *roomPage) { c.model.notice = plainError(err) })
}

func (o *pageObserver) sent(id string, ack protocol.Event) {
	o.do(func(_ app.Context, c *roomPage) { c.model.acked(id, ack.Offset) })
}

func (o *pageObserver) sendFailed(id string, err *protocol.Error, dropped bool) {
	o.do(func(_ app.Context, c *roomPage) {
		why := plainError(err)
		c.sendErr = why
		text := c.model.refused(id, why, dropped)
		if text != "" && strings.TrimSpace(inputValue(idComposer)) == "" {
			// Give the text back so it can be fixed and sent again.
			setInput(idComposer, text)
			c.draftLen = utf8.RuneCountInString(text)
		}
	})
}

func (o *pageObserver) stopped(err *protocol.Error) {
	o.do(func(_ app.Context, c *roomPage) {
		switch err.Code {
		case protocol.CodeInvalidName, protocol.CodeNameTaken:
			c.needName = true
			c.nameErr = plainError(err)
			c.nameHint = c.id.Name
			if err.Suggestion != "" {
				c.nameHint = err.Suggestion
			}
			c.stop()
		default:
			c.model.status = connStatus{State: stateStopped, Reason: plainError(err)}
			c.stop() // "Retry now" starts a new session
		}
	})
}

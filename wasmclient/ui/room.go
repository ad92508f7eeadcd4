package ui

import (
	"context"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
	"github.com/switchboard-rt/switchboard/wasmclient/shell"
)

// roomPage is the page at "/r/{room}". Without a stored nickname it asks for
// one; with one it runs a client.Session for the room and shows its
// messages, its members, who is typing, the connection state and the
// composer.
//
// The page owns its session: it starts it in OnMount (browser only) with
// ctx.Async, keeps the cancel function, and cancels it in OnDismount or when
// it starts another. Everything the session reports (its events, state
// changes and welcomes) is applied inside ctx.Dispatch, so the page's fields
// only change on the UI goroutine; reports of a session the page has since
// replaced are dropped.
type roomPage struct {
	app.Compo

	room string

	// The nickname form, when there is no nickname or the server refused it.
	needName   bool
	nameHint   string // nickname to prefill
	nameErr    string // why the server refused it
	suggestion string // a free nickname the server proposed

	id    identity
	model roomModel
	feed  feedModel // the room's live data (charts)

	// rooms is the person's room list (not in the embedded widget); the
	// session follows some of them (followed) for their unread counts.
	rooms    roomList
	followed map[string]bool

	// token is a site's JWT from local storage (keyToken). With one, the
	// session signs in with it and the name comes from the welcome; the
	// nickname form and the stored identity are not used.
	token string

	// removed says why the person is out of the room for good (a
	// moderator's kick or ban, or a refused join): the composer is
	// disabled and a notice offers the way back to the rooms.
	removed string

	// boardOpen: the person opened the shared board (it starts closed, so
	// it takes no room, and touch screens are not invited to point; the
	// choice is kept per room, keyBoardPrefix).
	boardOpen bool

	// Moderation (moderators and admins only): the person whose kick or
	// ban awaits a reason, and how it went.
	modTarget *modAction
	modBusy   bool   // a kick or ban is on its way
	modErr    string // why the last one failed
	modDone   string // what the last one did

	// Connection state, from the session's OnState.
	phase     client.Phase
	retryAt   time.Time
	stateErr  error
	connected bool // connected at least once: "Reconnecting", not "Connecting"
	boot      string

	uploading      int               // uploads under way
	dropping       bool              // files are dragged over the room
	draftLen       int               // characters in the composer
	sendErr        string            // why the last message could not be sent
	historyErr     string            // why older messages could not be loaded
	editing        uint64            // offset of the message being edited, 0 if none
	confirmDelete  uint64            // offset of the message whose delete awaits a yes
	picking        uint64            // offset of the message whose reaction picker is open
	replying       uint64            // offset of the message the composer replies to
	flash          uint64            // offset of the message a reply's quote jumped to
	jumping        uint64            // offset of a message being looked for in older history
	jumpPages      int               // history pages loaded looking for it
	keptScroll     int               // where the list was before a reload (see pageState)
	changeIDs      map[string]uint64 // outbox id of an edit or delete → its target
	lastTyping     time.Time         // when the last typing signal was sent
	recentDirty    bool              // the room's last messages changed since keepRecent
	browserOffline bool              // the browser says it has no network
	updateReady    bool              // a new build is ready; reload when convenient
	expectUpdate   bool              // the server runs a new build; go-app is updating
	focusOnJoin    bool              // move focus to the composer at the next joined
	mounted        bool              // running in the browser: the composer is shown
	suspended      bool              // the page was hidden (pagehide) with a session
	// swallowBreak is set while an Enter that sent a message is down, so
	// the line break a synthesized "char" event (CDP, some input methods)
	// inserts after the cancelled keydown is dropped too.
	swallowBreak bool

	// embedded makes this the compact embed page (/embed/{room}), framed
	// by the loader script on another site; embed is its bridge to the
	// loader, set in OnMount.
	embedded bool
	embed    *embedBridge
	// convSelf: the page shows the visitor's own conversation (opened as
	// /embed/conv-me; see conversation.go).
	convSelf bool

	// seedJSON is the snapshot the server prerendered the page with, as
	// the message list's data-seed attribute: JSON in base64 (server only).
	seedJSON string

	sess    *client.Session
	sctx    context.Context
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
	ctx.Page().SetTitle(titleText(c.room, 0, 0))
}

// OnMount runs in the browser only. It starts the session when a nickname
// is stored, and listens for the browser's network and visibility changes.
func (c *roomPage) OnMount(ctx app.Context) {
	c.mounted = true
	c.room = roomFromPath(ctx.Page().URL().Path)
	ctx.LocalStorage().Get(keyBoardPrefix+c.room, &c.boardOpen)
	c.browserOffline = !browserOnline()
	c.model.setHidden(!tabVisible())
	win := app.Window()
	c.release = append(c.release,
		listen(ctx, win, "online", func(app.Context) {
			c.browserOffline = false
			c.retryNow()
		}),
		listen(ctx, win, "offline", func(app.Context) { c.browserOffline = true }),
		listen(ctx, win, RetryEvent, func(app.Context) { c.retryNow() }),
		listen(ctx, win, "storage", c.reloadRoomList),
		listen(ctx, win.Get("document"), "visibilitychange", func(ctx app.Context) {
			visible := tabVisible()
			if !visible {
				c.keepRecent(ctx)
			}
			c.model.setHidden(c.hiddenNow())
			c.postUnread()
			if visible {
				c.retryNow()
			}
			c.updateTitle(ctx)
		}),
		// A page left for another one may be kept alive in the back/forward
		// cache, socket included, and would look present in the room. Close
		// the connection when the page hides; start again when it shows.
		listen(ctx, win, "pagehide", func(ctx app.Context) {
			c.keepPageState(ctx)
			if c.sess != nil {
				c.stop()
				c.suspended = true
			}
		}),
		listen(ctx, win, "pageshow", func(ctx app.Context) {
			if c.suspended {
				c.suspended = false
				c.connect(ctx, c.id.Name)
			}
		}),
	)
	ctx.Handle(actionCursorMove, func(ctx app.Context, a app.Action) {
		ctx.PreventUpdate()
		if m, ok := a.Value.(cursorMove); ok {
			c.sendCursor(ctx, m)
		}
	})
	ctx.Handle(actionJoin, func(ctx app.Context, a app.Action) {
		if req, ok := a.Value.(joinRequest); ok {
			c.connect(ctx, req.Name)
		}
	})

	c.id = loadIdentity(ctx.LocalStorage())
	c.token = loadToken()
	if c.listsRooms() {
		c.rooms = loadRoomList(ctx.LocalStorage())
		c.rooms.visit(c.room, "", time.Now().UnixMilli())
		c.rooms.save(ctx.LocalStorage())
	}
	if kept, ok := loadRecent(ctx.LocalStorage(), c.room); ok && c.model.staleFor(kept) {
		// Newer than the page (one the service worker kept while the
		// server is down): show the messages this browser saw last.
		c.model.reseed(kept.Events)
	}
	if c.embedded {
		// The embedding site signs its people in through the loader.
		c.token = ""
		if !c.mountEmbed(ctx) {
			return
		}
	}
	if c.id.Name == "" && c.token == "" {
		c.needName = true
		return
	}
	c.restoreDraft(ctx)
	c.connect(ctx, c.id.Name)
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

// connect (re)starts the session as nickname name, or with the site's
// token when there is one. The room's unsent messages come back from local
// storage and are shown as pending.
func (c *roomPage) connect(ctx app.Context, name string) {
	c.stop()
	if c.room == "" {
		return
	}
	c.id = loadIdentity(ctx.LocalStorage())
	c.needName, c.nameErr, c.suggestion = false, "", ""
	c.phase, c.connected, c.stateErr = client.Connecting, false, nil
	c.model.reset()
	c.feed = feedModel{}
	c.editing, c.confirmDelete, c.changeIDs = 0, 0, nil
	c.removed, c.modTarget, c.modBusy, c.modErr, c.modDone = "", nil, false, "", ""
	c.focusOnJoin = true

	session := c.id.helloSession(name)
	if c.token != "" {
		// The token names the person; the guest identity stays as it is.
		name, session = "", ""
	}

	var s *client.Session
	// mine runs fn on the UI goroutine if s is still the page's session.
	mine := func(fn func(ctx app.Context)) {
		ctx.Dispatch(func(ctx app.Context) {
			if c.sess == s {
				fn(ctx)
			}
		})
	}
	s = client.NewSession(client.SessionOptions{
		URLs:    []string{serverURL()},
		Name:    name,
		Session: session,
		Token:   c.token,
		Outbox:  newOutboxStore(ctx.LocalStorage(), c.outboxKey()),
		Binary:  true, // pointer traffic in compact binary frames
		OnState: func(st client.State) {
			mine(func(ctx app.Context) { c.applyState(ctx, st) })
		},
		OnWelcome: func(ev protocol.Event) {
			mine(func(ctx app.Context) { c.applyWelcome(ctx, ev, name) })
		},
	})
	for _, cmd := range s.Outbox() {
		if cmd.Type == protocol.CmdSend && cmd.Room == c.room {
			c.model.addPending(cmd.ID, cmd.Text, cmd.Target)
		}
	}
	if !c.conversationMode() {
		s.Feed(c.room) // joins the room, and asks for its live data
	} // else joined at the welcome, which says whose conversation it is
	sctx, cancel := context.WithCancel(context.Background())
	c.sess, c.sctx, c.cancel = s, sctx, cancel
	c.followed = nil
	c.followRooms()
	ctx.Async(func() { s.Run(sctx) })
	ctx.Async(func() {
		for ev := range s.Events() {
			mine(func(ctx app.Context) { c.apply(ctx, ev) })
		}
	})
	// One tick a second: typing indicators expire, the countdown moves.
	ctx.Async(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case now := <-tick.C:
				mine(func(ctx app.Context) {
					c.model.expireTyping(now)
					c.keepRecent(ctx)
				})
			}
		}
	})
}

// keepRecent keeps the room's last messages in local storage if they
// changed (at most once a session tick), for a reload while offline.
func (c *roomPage) keepRecent(ctx app.Context) {
	if c.recentDirty {
		c.recentDirty = false
		saveRecent(ctx.LocalStorage(), c.room, &c.model)
	}
}

// stop cancels the running session, if any. Its goroutines end on their
// own; anything they still report is dropped.
func (c *roomPage) stop() {
	if c.cancel != nil {
		c.cancel()
	}
	c.sess, c.sctx, c.cancel = nil, nil, nil
}

// RetryEvent is the window event that makes the room page try to connect
// again at once when it is waiting to reconnect (the next attempt's wait
// skipped). make dev sends it after it restarted the server for an edit
// of the server alone, instead of reloading the tab; a page that embeds
// the app can send it when it knows the server is back.
const RetryEvent = "switchboard:retry"

// retryNow skips the wait before the next attempt.
func (c *roomPage) retryNow() {
	if c.sess != nil {
		c.sess.RetryNow()
	}
}

// updateTitle shows the unread counts in the tab's title while it is hidden.
func (c *roomPage) updateTitle(ctx app.Context) {
	ctx.Page().SetTitle(titleText(c.room, c.model.unread, c.model.unreadMentions))
}

func (c *roomPage) onRetry(ctx app.Context, e app.Event) {
	if c.sess == nil || c.phase == client.Offline {
		if !c.needName && (c.id.Name != "" || c.token != "") {
			c.connect(ctx, c.id.Name)
		}
		return
	}
	c.sess.RetryNow()
}

func (c *roomPage) onReload(ctx app.Context, e app.Event) { ctx.Reload() }

// roomFromPath returns the room of a room page path ("/r/{room}", or an
// embed page "/embed/{room}"; under the root prefix in the browser), or ""
// if it has none.
func roomFromPath(path string) string { return shell.RoomOfPage(appPath(path)) }

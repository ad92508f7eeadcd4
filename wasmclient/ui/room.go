package ui

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// historyPage is how many older events one "load older" asks for.
const historyPage = 50

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

	// token is a site's JWT from local storage (keyToken). With one, the
	// session signs in with it and the name comes from the welcome; the
	// nickname form and the stored identity are not used.
	token string

	// removed says why the person is out of the room for good (a
	// moderator's kick or ban, or a refused join): the composer is
	// disabled and a notice offers the way back to the rooms.
	removed string

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
	c.browserOffline = !browserOnline()
	c.model.setHidden(!tabVisible())
	win := app.Window()
	c.release = append(c.release,
		listen(ctx, win, "online", func(app.Context) {
			c.browserOffline = false
			c.retryNow()
		}),
		listen(ctx, win, "offline", func(app.Context) { c.browserOffline = true }),
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
		listen(ctx, win, "pagehide", func(app.Context) {
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
		Outbox:  newOutboxStore(ctx.LocalStorage(), c.room),
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
			c.model.addPending(cmd.ID, cmd.Text)
		}
	}
	s.Feed(c.room) // joins the room, and asks for its live data
	sctx, cancel := context.WithCancel(context.Background())
	c.sess, c.sctx, c.cancel = s, sctx, cancel
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

// retryNow skips the wait before the next attempt.
func (c *roomPage) retryNow() {
	if c.sess != nil {
		c.sess.RetryNow()
	}
}

// applyState shows the session's connection state.
func (c *roomPage) applyState(ctx app.Context, st client.State) {
	c.phase, c.retryAt, c.stateErr = st.Phase, st.RetryAt, st.Err
	if st.Phase == client.Connected {
		c.connected = true
		c.model.notice = ""
	}
	if st.Phase != client.Offline {
		return
	}
	var refused *client.RefusedError
	if errors.As(st.Err, &refused) {
		c.refuseName(refused.Err)
	}
}

// refuseName shows the nickname form again, with why the server refused
// the name and the free one it proposes.
func (c *roomPage) refuseName(err *protocol.Error) {
	if c.token != "" {
		return // the token names the person: the banner says what is wrong
	}
	switch err.Code {
	case protocol.CodeInvalidName, protocol.CodeNameTaken:
	default:
		return
	}
	c.stop()
	c.needName = true
	c.nameErr = plainError(err)
	c.nameHint = c.id.Name
	c.suggestion = err.Suggestion
	if err.Suggestion != "" {
		c.nameHint = err.Suggestion
	}
}

// applyWelcome stores who the server says we are and the token to present
// next time, and notices a new server build.
func (c *roomPage) applyWelcome(ctx app.Context, ev protocol.Event, name string) {
	if ev.User != nil {
		c.model.me = *ev.User
		if ev.User.Name != "" {
			name = ev.User.Name
		}
	}
	if c.token == "" {
		c.id = identity{Name: name, Session: ev.Session}
		storeIdentity(ctx.LocalStorage(), c.id)
	}
	if c.boot != "" && ev.Boot != "" && ev.Boot != c.boot {
		c.expectUpdate = true
		app.TryUpdate()
	}
	if ev.Boot != "" {
		c.boot = ev.Boot
	}
}

// apply shows one event of the session.
func (c *roomPage) apply(ctx app.Context, ev protocol.Event) {
	if ev.Room != "" && ev.Room != c.room {
		return
	}
	switch ev.Type {
	case protocol.EvJoined:
		c.model.applyJoined(ev)
		c.recentDirty = true
		// Pointers seen before are stale now; the server sends everyone's
		// position to a new arrival.
		ctx.NewActionWithValue(actionCursors, protocol.Event{Type: protocol.EvCursors})
		// An embed page takes the focus only in an open panel: never
		// from the embedding page behind a closed one.
		focus := c.focusOnJoin && (c.embed == nil || c.embed.open)
		c.focusOnJoin = false
		ctx.Defer(func(app.Context) {
			scrollToBottom(idScroll)
			if focus {
				focusElement(idComposer)
			}
		})
	case protocol.EvMessage, protocol.EvEdit, protocol.EvDelete:
		own := ev.User != nil && ev.User.ID == c.model.me.ID
		stick := nearBottom(idScroll) || (own && ev.Type == protocol.EvMessage)
		c.model.applyLive(ev)
		c.recentDirty = true
		if stick {
			ctx.Defer(func(app.Context) { scrollToBottom(idScroll) })
		}
		c.updateTitle(ctx)
		c.postLive(ev)
	case protocol.EvPresence:
		if len(ev.Left) > 0 {
			gone := make([]protocol.Cursor, len(ev.Left))
			for i, u := range ev.Left {
				gone[i] = protocol.Cursor{User: u.ID, Gone: true}
			}
			ctx.NewActionWithValue(actionCursors, protocol.Event{Type: protocol.EvCursors, Cursors: gone})
		}
		stick := nearBottom(idScroll)
		c.model.applyPresence(ev)
		if stick {
			ctx.Defer(func(app.Context) { scrollToBottom(idScroll) })
		}
	case protocol.EvTyping:
		c.model.applyTyping(ev, time.Now())
	case protocol.EvCursors:
		// The board draws them; the page does not change.
		ctx.PreventUpdate()
		ctx.NewActionWithValue(actionCursors, ev)
	case protocol.EvFeed:
		c.feed.applyFeed(ev)
	case protocol.EvPoints:
		c.feed.applyPoints(ev)
	case protocol.EvAck:
		c.model.acked(ev.Ref, ev.Offset)
		delete(c.changeIDs, ev.Ref)
	case protocol.EvKicked:
		c.removed = removedText(c.room, ev.Text, ev.Time, time.Now())
		c.leaveRoomUI()
	case protocol.EvError:
		c.applyError(ev)
	}
}

// leaveRoomUI ends what the person was doing in the room once they are
// out of it: an edit, a delete awaiting a yes, a kick awaiting a reason.
func (c *roomPage) leaveRoomUI() {
	if c.editing != 0 {
		c.editing = 0
		clearInput(idComposer)
		c.draftLen = 0
	}
	c.confirmDelete, c.modTarget, c.sendErr = 0, nil, ""
	c.model.typing = nil
}

// applyError shows a refusal next to what caused it: a message that could
// not be sent goes back to the composer with the reason under it, an edit
// or delete that failed shows the reason on its message, and a refused
// nickname brings back the nickname form.
func (c *roomPage) applyError(ev protocol.Event) {
	err := ev.Error
	if err == nil {
		err = &protocol.Error{Code: protocol.CodeInternal}
	}
	why := plainError(err)
	if text, ok := c.model.refused(ev.Ref); ok {
		c.sendErr = why
		if strings.TrimSpace(inputValue(idComposer)) == "" {
			setInput(idComposer, text)
			c.draftLen = utf8.RuneCountInString(text)
		}
		return
	}
	if target, ok := c.changeIDs[ev.Ref]; ok {
		delete(c.changeIDs, ev.Ref)
		if c.model.setLineError(target, why) {
			return
		}
	}
	switch err.Code {
	case protocol.CodeNameTaken, protocol.CodeInvalidName:
		if c.token == "" {
			c.refuseName(err)
			return
		}
	case protocol.CodeBanned:
		// The join was refused: the session has dropped the room.
		c.removed = why
		c.leaveRoomUI()
		return
	}
	c.model.notice = why
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

// onComposerKey: Enter sends, Shift+Enter (and Enter while an input method
// is composing) inserts a new line, Up in an empty composer edits the
// person's last message, Escape cancels an edit. Other keys change nothing
// on the page, so they cause no render.
func (c *roomPage) onComposerKey(ctx app.Context, e app.Event) {
	key := e.Get("key").String()
	plain := !e.Get("shiftKey").Bool() && !e.Get("altKey").Bool() && !e.Get("ctrlKey").Bool() && !e.Get("metaKey").Bool()
	switch {
	case key == "Enter" && !e.Get("shiftKey").Bool() && !e.Get("isComposing").Bool():
		e.PreventDefault()
		c.swallowBreak = true
		c.send(ctx)
	case key == "ArrowUp" && plain && c.editing == 0 && inputValue(idComposer) == "":
		l, ok := c.model.lastOwn()
		if !ok {
			ctx.PreventUpdate()
			return
		}
		e.PreventDefault()
		c.startEdit(l)
	case key == "Escape" && c.editing != 0:
		e.PreventDefault()
		c.cancelEdit()
	default:
		ctx.PreventUpdate()
	}
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

// onComposerInput keeps the character count and tells the room the person
// is typing (at most once per protocol.TypingInterval). The page renders
// only when the counter or the error it shows changes.
func (c *roomPage) onComposerInput(ctx app.Context, e app.Event) {
	value := ctx.JSSrc().Get("value").String()
	before, hadErr := c.draftLen, c.sendErr != ""
	c.draftLen = utf8.RuneCountInString(value)
	if c.sendErr != "" && c.draftLen <= protocol.MaxTextRunes {
		c.sendErr = ""
	}
	if strings.TrimSpace(value) != "" && c.editing == 0 {
		c.signalTyping(ctx)
	}
	if before < counterFrom && c.draftLen < counterFrom && hadErr == (c.sendErr != "") {
		ctx.PreventUpdate()
	}
}

// sendCursor sends the person's pointer position on the board (the board
// already keeps to protocol.CursorsPerSecond). Not connected: dropped.
func (c *roomPage) sendCursor(ctx app.Context, m cursorMove) {
	if c.sess == nil || c.phase != client.Connected || c.removed != "" {
		return
	}
	s, sctx, room := c.sess, c.sctx, c.room
	ctx.Async(func() {
		pctx, cancel := context.WithTimeout(sctx, 5*time.Second)
		defer cancel()
		s.Cursor(pctx, room, m.X, m.Y)
	})
}

// signalTyping sends a typing signal unless one went out less than
// protocol.TypingInterval ago or the session is not connected.
func (c *roomPage) signalTyping(ctx app.Context) {
	now := time.Now()
	if c.sess == nil || c.phase != client.Connected || now.Sub(c.lastTyping) < protocol.TypingInterval {
		return
	}
	c.lastTyping = now
	s, sctx, room := c.sess, c.sctx, c.room
	ctx.Async(func() {
		pctx, cancel := context.WithTimeout(sctx, 5*time.Second)
		defer cancel()
		s.Post(pctx, protocol.Command{Type: protocol.CmdTyping, Room: room})
	})
}

func (c *roomPage) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.send(ctx)
}

// send validates the composer's text and queues it in the outbox (a new
// message, or the edit of the message being edited), then empties the
// composer with the focus kept in it.
func (c *roomPage) send(ctx app.Context) {
	text := strings.TrimSpace(inputValue(idComposer))
	if c.removed != "" {
		return
	}
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
	cmd := protocol.Command{Type: protocol.CmdSend, Room: c.room, Text: text}
	if c.editing != 0 {
		cmd.Type, cmd.Target = protocol.CmdEdit, c.editing
	}
	id, err := c.sess.Send(cmd)
	if err != nil {
		var perr *protocol.Error
		if errors.As(err, &perr) {
			c.sendErr = plainError(perr)
		}
		return
	}
	if cmd.Type == protocol.CmdEdit {
		c.trackChange(id, cmd.Target)
		c.editing = 0
	} else {
		c.model.addPending(id, text)
		ctx.Defer(func(app.Context) { scrollToBottom(idScroll) })
	}
	c.sendErr, c.model.notice = "", ""
	clearInput(idComposer)
	c.draftLen = 0
}

// trackChange remembers the target of an edit or delete until its answer.
func (c *roomPage) trackChange(id string, target uint64) {
	if c.changeIDs == nil {
		c.changeIDs = make(map[string]uint64)
	}
	c.changeIDs[id] = target
}

// startEdit puts the message's text in the composer to be edited.
func (c *roomPage) startEdit(l line) {
	c.editing, c.confirmDelete = l.ev.Offset, 0
	if i := c.model.lineOf(l.ev.Offset); i >= 0 {
		c.model.lines[i].err = ""
	}
	setInput(idComposer, l.text)
	c.draftLen = utf8.RuneCountInString(l.text)
	c.sendErr = ""
	focusElement(idComposer)
}

// cancelEdit leaves the edit and empties the composer.
func (c *roomPage) cancelEdit() {
	c.editing = 0
	clearInput(idComposer)
	c.draftLen = 0
	c.sendErr = ""
	focusElement(idComposer)
}

func (c *roomPage) onCancelEdit(ctx app.Context, e app.Event) { c.cancelEdit() }

// onEdit and onDelete are the actions of one of the person's messages.
func (c *roomPage) onEdit(offset uint64) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if i := c.model.lineOf(offset); i >= 0 {
			c.startEdit(c.model.lines[i])
		}
	}
}

func (c *roomPage) onDelete(offset uint64) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		c.confirmDelete = offset
		ctx.Defer(func(app.Context) { focusElement(idConfirmDelete) })
	}
}

func (c *roomPage) onConfirmDelete(ctx app.Context, e app.Event) {
	target := c.confirmDelete
	c.confirmDelete = 0
	if target == 0 || c.sess == nil {
		return
	}
	id, err := c.sess.Send(protocol.Command{Type: protocol.CmdDelete, Room: c.room, Target: target})
	if err == nil {
		c.trackChange(id, target)
	}
	if c.editing == target {
		c.cancelEdit()
	}
	focusElement(idComposer)
}

func (c *roomPage) onCancelDelete(ctx app.Context, e app.Event) {
	c.confirmDelete = 0
	focusElement(idComposer)
}

// onScroll loads older messages when the list is scrolled to its top.
func (c *roomPage) onScroll(ctx app.Context, e app.Event) {
	if ctx.JSSrc().Get("scrollTop").Int() > 80 || !c.model.more || c.model.older {
		ctx.PreventUpdate()
		return
	}
	c.loadOlder(ctx)
}

func (c *roomPage) onLoadOlder(ctx app.Context, e app.Event) { c.loadOlder(ctx) }

// loadOlder asks for the page of history before the oldest message shown
// and prepends it, keeping what is on screen where it is.
func (c *roomPage) loadOlder(ctx app.Context) {
	if !c.model.more || c.model.older || c.sess == nil {
		return
	}
	oldest := c.model.oldestOffset()
	if oldest <= 1 {
		c.model.more = false
		return
	}
	c.model.older, c.historyErr = true, ""
	s, sctx := c.sess, c.sctx
	cmd := protocol.Command{Type: protocol.CmdHistory, Room: c.room, Epoch: c.model.epoch(), Offset: oldest, Limit: historyPage}
	fromBottom := scrollFromBottom(idScroll)
	ctx.Async(func() {
		rctx, cancel := context.WithTimeout(sctx, 10*time.Second)
		ev, err := s.Do(rctx, cmd)
		cancel()
		ctx.Dispatch(func(ctx app.Context) {
			if c.sess != s {
				return
			}
			if err != nil {
				c.model.older = false
				c.historyErr = "Older messages could not be loaded. Try again when connected."
				return
			}
			more := ev.More && len(ev.Events) > 0
			c.model.prependHistory(ev.Events, more)
			ctx.Defer(func(app.Context) { setScrollFromBottom(idScroll, fromBottom) })
		})
	})
}

// roomFromPath returns the room of a room page path ("/r/{room}", or an
// embed page "/embed/{room}"; under the root prefix in the browser), or ""
// if it has none.
func roomFromPath(path string) string {
	path = appPath(path)
	for _, prefix := range []string{roomPrefix, embedPrefix} {
		if room, ok := strings.CutPrefix(path, prefix); ok && protocol.ValidateRoom(room) == nil {
			return room
		}
	}
	return ""
}

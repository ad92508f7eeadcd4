package ui

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/adminapi"
)

// adminPoll is the interval of the dashboard's polling.
const adminPoll = time.Second

// adminPage is the operator's dashboard at /admin: live charts of
// connections, messages per second and delivery latency for the whole
// cluster, every node's figures, the active rooms, a room's members with
// their node, and the actions notice, kick and close.
//
// It signs in to the admin API (shared/adminapi) with the admin token typed
// here (kept in session storage) or with the site's JWT of an admin
// (localStorage switchboard/token). A poller goroutine, started in OnMount
// with ctx.Async and stopped by the cancel function OnDismount calls, reads
// the stats every second; the page's fields change only in ctx.Dispatch.
type adminPage struct {
	app.Compo

	ready   bool
	cred    string // the credential in use; "" shows the sign-in form
	siteJWT bool   // cred is the site's JWT (signing out keeps it stored)
	authErr string
	pollErr string

	model adminModel

	room         string // the room being managed, "" for none
	members      []adminapi.Member
	membersOK    bool
	membersErr   string
	status       string // how the last action went (announced)
	actionErr    string
	confirmClose bool
	busy         bool

	dead       adminapi.DeadLetters // the webhook's (see admin_webhook.go)
	deadErr    string
	deadStatus string
	retrying   uint64 // the dead letter being retried, 0 for none

	shared *adminShared
	cancel context.CancelFunc
}

// adminShared is what the poller reads of the page: guarded, since the
// poller runs outside the UI goroutine.
type adminShared struct {
	wake chan struct{} // a token asks for a poll now

	mu   sync.Mutex
	cred string
	room string
}

func (s *adminShared) set(cred, room string) {
	s.mu.Lock()
	s.cred, s.room = cred, room
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *adminShared) get() (cred, room string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cred, s.room
}

// OnNav sets the title; it runs on the server too.
func (p *adminPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Operations · Switchboard")
}

// OnMount finds a credential and starts polling.
func (p *adminPage) OnMount(ctx app.Context) {
	p.ready = true
	p.shared = &adminShared{wake: make(chan struct{}, 1)}
	var stored string
	if ctx.SessionStorage().Get(keyAdminToken, &stored) == nil && stored != "" {
		p.cred = stored
	} else if tok := loadToken(); tok != "" {
		p.cred, p.siteJWT = tok, true
	}
	p.shared.set(p.cred, p.room)
	base := app.Window().URL()
	pctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	shared := p.shared
	ctx.Async(func() { p.poll(pctx, ctx, shared, base) })
	if p.cred == "" {
		ctx.Defer(func(app.Context) { focusElement(idAdminToken) })
	}
}

// OnDismount stops polling.
func (p *adminPage) OnDismount() {
	if p.cancel != nil {
		p.cancel()
	}
}

// poll reads the stats (and the managed room's members) every adminPoll
// until ctx ends, and hands each answer to the UI goroutine.
func (p *adminPage) poll(ctx context.Context, actx app.Context, shared *adminShared, base *url.URL) {
	tick := time.NewTicker(adminPoll)
	defer tick.Stop()
	for {
		if cred, room := shared.get(); cred != "" {
			c := adminClient{base: base, cred: cred}
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			var s adminapi.Stats
			err := c.get(rctx, adminapi.PathStats, &s)
			var rm adminapi.RoomMembers
			var rerr error
			if err == nil && room != "" {
				rerr = c.get(rctx, adminapi.RoomPath(room), &rm)
			}
			var dl adminapi.DeadLetters
			var derr error
			if err == nil {
				derr = c.get(rctx, adminapi.PathDeadLetters, &dl)
			}
			cancel()
			if ctx.Err() != nil {
				return
			}
			actx.Dispatch(func(app.Context) {
				p.applyPoll(cred, s, err, room, rm, rerr)
				if err == nil {
					p.applyDead(cred, dl, derr)
				}
			})
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-shared.wake:
		}
	}
}

// applyPoll takes one poll's answers, unless the credential changed meanwhile.
func (p *adminPage) applyPoll(cred string, s adminapi.Stats, err error, room string, rm adminapi.RoomMembers, rerr error) {
	if cred != p.cred {
		return
	}
	var ae *apiError
	if errors.As(err, &ae) && ae.unauthorized() {
		p.signOut(sentence(ae.err.Message))
		return
	}
	if err != nil {
		p.pollErr = "Cannot read the stats: " + sentence(err.Error())
		return
	}
	p.pollErr = ""
	p.model.add(s)
	if room != p.room || room == "" {
		return
	}
	if rerr != nil {
		p.membersErr = sentence(rerr.Error())
		return
	}
	p.members, p.membersOK, p.membersErr = rm.Members, true, ""
}

// signOut forgets the credential and shows the sign-in form with why.
func (p *adminPage) signOut(why string) {
	p.cred, p.siteJWT, p.authErr = "", false, why
	p.model = adminModel{}
	p.room, p.members, p.membersOK = "", nil, false
	p.shared.set("", "")
}

func (p *adminPage) onSignIn(ctx app.Context, e app.Event) {
	e.PreventDefault()
	tok := strings.TrimSpace(inputValue(idAdminToken))
	if tok == "" {
		p.authErr = "Paste the admin token (switchboard serve --admin-token)."
		focusElement(idAdminToken)
		return
	}
	ctx.SessionStorage().Set(keyAdminToken, tok)
	p.cred, p.siteJWT, p.authErr = tok, false, ""
	p.shared.set(p.cred, p.room)
}

func (p *adminPage) onSignOut(ctx app.Context, e app.Event) {
	ctx.SessionStorage().Del(keyAdminToken)
	p.signOut("")
	ctx.Defer(func(app.Context) { focusElement(idAdminToken) })
}

// onManage opens (or closes) the management panel of room.
func (p *adminPage) onManage(room string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if p.room == room {
			room = ""
		}
		p.room, p.members, p.membersOK, p.membersErr = room, nil, false, ""
		p.status, p.actionErr, p.confirmClose = "", "", false
		p.shared.set(p.cred, p.room)
		if room != "" {
			ctx.Defer(func(app.Context) { focusElement(idAdminRoom) })
		}
	}
}

// act runs one action on the managed room and reports how it went.
func (p *adminPage) act(ctx app.Context, suffix string, a adminapi.Action, done string) {
	if p.busy || p.room == "" {
		return
	}
	if perr := a.Validate(suffix); perr != nil {
		p.actionErr = sentence(perr.Message)
		return
	}
	p.busy, p.status, p.actionErr = true, "", ""
	c := adminClient{base: app.Window().URL(), cred: p.cred}
	room, cred := p.room, p.cred
	ctx.Async(func() {
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var out adminapi.Done
		err := c.post(rctx, adminapi.RoomPath(room)+suffix, a, &out)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if cred != p.cred {
				return
			}
			if err != nil {
				p.actionErr = sentence(err.Error())
				return
			}
			p.status = done
			if suffix == adminapi.SuffixNote {
				clearInput(idAdminNotice)
			}
			p.shared.set(p.cred, p.room) // show the effect at once
		})
	})
}

func (p *adminPage) onNotice(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.act(ctx, adminapi.SuffixNote, adminapi.Action{Text: strings.TrimSpace(inputValue(idAdminNotice))},
		"Notice posted in #"+p.room+".")
}

func (p *adminPage) onKick(m adminapi.Member) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		p.act(ctx, adminapi.SuffixKick, adminapi.Action{User: m.ID, Text: strings.TrimSpace(inputValue(idAdminReason))},
			m.Name+" was removed from #"+p.room+".")
	}
}

func (p *adminPage) onCloseAsk(ctx app.Context, e app.Event) { p.confirmClose = true }

func (p *adminPage) onCloseCancel(ctx app.Context, e app.Event) { p.confirmClose = false }

func (p *adminPage) onCloseConfirm(ctx app.Context, e app.Event) {
	p.confirmClose = false
	p.act(ctx, adminapi.SuffixShut, adminapi.Action{Text: strings.TrimSpace(inputValue(idAdminReason))},
		"#"+p.room+" was closed: everyone in it was removed.")
}

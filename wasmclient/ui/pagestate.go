package ui

import (
	"strings"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// pageState is what a room page keeps through a reload of the same tab
// (a new build, make dev's reload, the person's own): the draft in the
// composer and how far up the list was scrolled. It lives in session
// storage (this tab only, gone with it), one key per room, and is taken
// back once.
type pageState struct {
	Draft string `json:"draft,omitempty"`
	// FromBottom is the list's scrollHeight minus its scrollTop; 0: at the
	// end (new messages follow as usual).
	FromBottom int `json:"fromBottom,omitempty"`
}

// keepPageState stores the page's state as the page goes away.
func (c *roomPage) keepPageState(ctx app.Context) {
	if c.room == "" || !c.mounted {
		return
	}
	st := pageState{Draft: inputValue(idComposer)}
	if c.editing != 0 {
		st.Draft = "" // an edit in progress is the message's text, not a draft
	}
	if !nearBottom(idScroll) {
		st.FromBottom = scrollFromBottom(idScroll)
	}
	if strings.TrimSpace(st.Draft) == "" && st.FromBottom == 0 {
		ctx.SessionStorage().Del(keyPageStatePrefix + c.room)
		return
	}
	ctx.SessionStorage().Set(keyPageStatePrefix+c.room, st)
}

// takePageState returns the state kept for the page's room, once.
func (c *roomPage) takePageState(ctx app.Context) (pageState, bool) {
	var st pageState
	key := keyPageStatePrefix + c.room
	if err := ctx.SessionStorage().Get(key, &st); err != nil || (st.Draft == "" && st.FromBottom == 0) {
		return pageState{}, false
	}
	ctx.SessionStorage().Del(key)
	return st, true
}

// restoreDraft puts a kept draft back in the composer (once it is shown).
func (c *roomPage) restoreDraft(ctx app.Context) {
	st, ok := c.takePageState(ctx)
	if !ok {
		return
	}
	c.keptScroll = st.FromBottom
	if st.Draft != "" {
		ctx.Defer(func(app.Context) {
			if inputValue(idComposer) == "" {
				setInput(idComposer, st.Draft)
				c.draftLen = utf8.RuneCountInString(st.Draft)
			}
		})
	}
}

// scrollAfterJoin scrolls the list, once joined, to where it was before a
// reload, or to its end.
func (c *roomPage) scrollAfterJoin() {
	if kept := c.keptScroll; kept > 0 {
		c.keptScroll = 0
		setScrollFromBottom(idScroll, kept)
		return
	}
	scrollToBottom(idScroll)
}

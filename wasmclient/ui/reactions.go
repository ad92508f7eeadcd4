package ui

import (
	"slices"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// quickReactions are the emoji the reaction picker offers.
var quickReactions = []string{"👍", "❤️", "😂", "🎉", "😮", "😢", "👀", "🙏"}

// maxReactionsShown bounds the distinct reactions shown under one message
// (the earliest ones); more are counted in a "+N" chip.
const maxReactionsShown = 20

// reactionVote is one person's latest reaction event for one emoji on
// one message.
type reactionVote struct {
	offset uint64 // of the react or unreact event
	on     bool
	name   string
}

// messageReactions are the reactions to one message: per emoji, the latest
// vote of each person (by user id), and where each emoji first appeared.
type messageReactions struct {
	votes map[string]map[string]reactionVote
	first map[string]uint64
}

// reactionChip is one emoji under a message, as shown.
type reactionChip struct {
	emoji string
	count int
	mine  bool
	names []string // who reacted, in the order they did
}

// recordReaction applies a react or unreact event. Events may come in any
// order (history pages arrive newest first): per emoji and person, the
// latest offset wins.
func (m *roomModel) recordReaction(ev protocol.Event) {
	if ev.Target == 0 || ev.User == nil || ev.Text == "" {
		return
	}
	if m.reactions == nil {
		m.reactions = make(map[uint64]*messageReactions)
	}
	r := m.reactions[ev.Target]
	if r == nil {
		r = &messageReactions{votes: map[string]map[string]reactionVote{}, first: map[string]uint64{}}
		m.reactions[ev.Target] = r
	}
	byUser := r.votes[ev.Text]
	if byUser == nil {
		byUser = make(map[string]reactionVote)
		r.votes[ev.Text] = byUser
	}
	if old, ok := byUser[ev.User.ID]; ok && old.offset >= ev.Offset {
		return
	}
	byUser[ev.User.ID] = reactionVote{offset: ev.Offset, on: ev.Type == protocol.EvReact, name: ev.User.Name}
	if f, ok := r.first[ev.Text]; !ok || ev.Offset < f {
		r.first[ev.Text] = ev.Offset
	}
}

// reactionChips are the reactions to the message at offset with at least
// one person behind them, in the order they first appeared.
func (m *roomModel) reactionChips(offset uint64) []reactionChip {
	r := m.reactions[offset]
	if r == nil {
		return nil
	}
	var chips []reactionChip
	for emoji, byUser := range r.votes {
		chip := reactionChip{emoji: emoji}
		var on []reactionVote
		for uid, v := range byUser {
			if v.on {
				on = append(on, v)
				chip.mine = chip.mine || uid == m.me.ID
			}
		}
		if len(on) == 0 {
			continue
		}
		slices.SortFunc(on, func(a, b reactionVote) int { return cmpOffset(a.offset, b.offset) })
		for _, v := range on {
			chip.names = append(chip.names, v.name)
		}
		chip.count = len(on)
		chips = append(chips, chip)
	}
	slices.SortFunc(chips, func(a, b reactionChip) int { return cmpOffset(r.first[a.emoji], r.first[b.emoji]) })
	return chips
}

// reacted reports whether the reader's reaction emoji is on the message.
func (m *roomModel) reacted(offset uint64, emoji string) bool {
	r := m.reactions[offset]
	if r == nil {
		return false
	}
	v, ok := r.votes[emoji][m.me.ID]
	return ok && v.on
}

// reactionEvents are the react events that make msg's reactions as they
// stand (each person's standing reaction, with its offset), to keep them
// with the message in local storage.
func (m *roomModel) reactionEvents(msg protocol.Event) []protocol.Event {
	r := m.reactions[msg.Offset]
	if r == nil {
		return nil
	}
	var out []protocol.Event
	for emoji, byUser := range r.votes {
		for uid, v := range byUser {
			if v.on {
				out = append(out, protocol.Event{Type: protocol.EvReact, Room: msg.Room, Epoch: msg.Epoch, Offset: v.offset,
					Target: msg.Offset, Text: emoji, User: &protocol.User{ID: uid, Name: v.name}})
			}
		}
	}
	slices.SortFunc(out, func(a, b protocol.Event) int { return cmpOffset(a.Offset, b.Offset) })
	return out
}

func cmpOffset(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// quoteOf is what a reply shows of the message it answers (offset): its
// author and text, whether it was deleted, and whether it is loaded at all.
func (m *roomModel) quoteOf(offset uint64) (author, text string, deleted, loaded bool) {
	i := m.lineOf(offset)
	if i < 0 {
		return "", "", false, false
	}
	l := m.lines[i]
	if l.ev.User != nil {
		author = l.ev.User.Name
	}
	text = l.text
	if text == "" && l.ev.Attachment != nil {
		text = "📎 " + l.ev.Attachment.Name
	}
	return author, text, l.deleted, true
}

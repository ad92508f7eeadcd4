package hub

import (
	"context"
	"errors"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// FileMeta is an uploaded file as stored: what messages show of it, and
// the room and person it was uploaded for and by.
type FileMeta struct {
	protocol.Attachment
	Room string `json:"room"`
	User string `json:"user"`
}

// ErrFileNotFound is returned by FileInfo for an id nothing is stored under.
var ErrFileNotFound = errors.New("file not found")

// attach checks the attachment a message names: it must be stored, for
// this room, by this person. It returns what the message carries of it,
// as stored (the client's name, size and type are ignored).
func (h *Hub) attach(ctx context.Context, c Conn, room string, a *protocol.Attachment) (*protocol.Attachment, *protocol.Error) {
	meta, err := h.broker.FileInfo(ctx, a.ID)
	if errors.Is(err, ErrFileNotFound) {
		return nil, protocol.Errorf(protocol.CodeNotFound, "there is no uploaded file %q; upload it first", a.ID)
	}
	if err != nil {
		return nil, h.unavailable("file info", room, err)
	}
	if meta.Room != room || meta.User != c.User().ID {
		return nil, protocol.Errorf(protocol.CodeForbidden, "you can only share files you uploaded to this room")
	}
	att := meta.Attachment
	return &att, nil
}

// CheckAccess reports, as a typed error, whether the person userID with
// access a may enter room: it is not private to them and they are not
// banned from it. A room private by its name (direct messages, inboxes)
// admits the people it names and nobody else. Joins and uploads use it;
// what it learns of a room's privacy keeps the room directory current.
func (h *Hub) CheckAccess(ctx context.Context, a Access, userID, room string) *protocol.Error {
	if protocol.PrivateByName(room) {
		if !protocol.MayEnterByName(room, userID, a.Role) {
			return protocol.Errorf(protocol.CodeForbidden, "room %q is private to the people its name gives", room)
		}
		return h.checkBan(ctx, userID, room)
	}
	declared, err := h.broker.Private(ctx, room)
	if err != nil {
		return h.unavailable("privacy", room, err)
	}
	h.dir.learnPrivate(room, declared, h.opts.Now())
	if !h.mayEnter(a, room, declared) {
		return protocol.Errorf(protocol.CodeForbidden, "room %q is private: your sign-in does not include it", room)
	}
	return h.checkBan(ctx, userID, room)
}

package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Rooms is what the API asks of the hub (hub.Hub implements it).
type Rooms interface {
	Publish(ctx context.Context, room string, from protocol.User, id, text string) (protocol.Event, *protocol.Error)
	PublishAs(ctx context.Context, room string, from protocol.User, id string, points []protocol.Point) (protocol.Event, *protocol.Error)
	ReadHistory(ctx context.Context, room string, before uint64, limit int) (protocol.Event, *protocol.Error)
	Members(ctx context.Context, room string) ([]protocol.User, *protocol.Error)
	ActiveRooms() []protocol.RoomInfo
	// CheckTextLength answers a text over the node's message length.
	CheckTextLength(text string) *protocol.Error
}

// requestTimeout bounds the hub's work for one request.
const requestTimeout = 10 * time.Second

// DefaultHistoryLimit is the history page size without ?limit=.
const DefaultHistoryLimit = 50

// PublishRequest is the body of POST /rooms/{room}/messages.
type PublishRequest struct {
	// Sender is the name the message shows (the nickname rules apply).
	Sender string `json:"sender"`
	// Text is the message (the message rules apply).
	Text string `json:"text"`
	// ID, optional, makes the publish idempotent: a retry with the same id
	// (within the dedup window) is stored once. Default: a fresh id.
	ID string `json:"id,omitempty"`
}

// senderID is the user id of a key's named sender: stable (the name
// lower-cased, as it always was), and apart from people's ids.
func senderID(k *Key, name string) string {
	return "api:" + k.Name + ":" + strings.ToLower(name)
}

func (a *API) publish(r *http.Request, k *Key, room string) (int, any, *protocol.Error) {
	var req PublishRequest
	if perr := decodeBody(r, &req); perr != nil {
		return 0, nil, perr
	}
	name, perr := protocol.NormalizeNickname(req.Sender)
	if perr != nil {
		return 0, nil, perr
	}
	if perr := protocol.ValidateText(req.Text); perr != nil {
		return 0, nil, perr
	}
	if perr := a.rooms.CheckTextLength(req.Text); perr != nil {
		return 0, nil, perr
	}
	if req.ID == "" {
		var b [12]byte
		rand.Read(b[:])
		req.ID = "api-" + hex.EncodeToString(b[:])
	} else if perr := protocol.ValidateID(req.ID); perr != nil {
		return 0, nil, perr
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	stored, perr := a.rooms.Publish(ctx, room, protocol.User{ID: senderID(k, name), Name: name}, req.ID, req.Text)
	if perr != nil {
		return 0, nil, perr
	}
	a.log.Info("api publish", "key", k.Name, "room", room, "offset", stored.Offset)
	return http.StatusCreated, stored, nil
}

// PointsRequest is the body of POST /rooms/{room}/points.
type PointsRequest struct {
	// Points are 1 to protocol.MaxPointsPerCommand data points (the feed
	// rules apply: series, finite value, optional unit and time).
	Points []protocol.Point `json:"points"`
	// ID, optional, makes the publish idempotent (see PublishRequest).
	ID string `json:"id,omitempty"`
}

func (a *API) publishPoints(r *http.Request, k *Key, room string) (int, any, *protocol.Error) {
	var req PointsRequest
	if perr := decodeBody(r, &req); perr != nil {
		return 0, nil, perr
	}
	if req.ID != "" {
		if perr := protocol.ValidateID(req.ID); perr != nil {
			return 0, nil, perr
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	// The key is the publisher: its points appear to come from it.
	ack, perr := a.rooms.PublishAs(ctx, room, protocol.User{ID: "api:" + k.Name, Name: k.Name}, req.ID, req.Points)
	if perr != nil {
		return 0, nil, perr
	}
	a.log.Info("api points", "key", k.Name, "room", room, "points", len(req.Points), "offset", ack.Offset)
	return http.StatusCreated, ack, nil
}

// HistoryPage is the answer of GET /rooms/{room}/messages.
type HistoryPage struct {
	Room  string `json:"room"`
	Epoch string `json:"epoch,omitempty"`
	// Last is the room's latest offset.
	Last uint64 `json:"last"`
	// Events are stored events (messages, edits, deletes), oldest first.
	Events []protocol.Event `json:"events"`
	// More is true when older events exist: ask again with
	// before=NextBefore.
	More       bool   `json:"more"`
	NextBefore uint64 `json:"next_before,omitempty"`
}

func (a *API) history(r *http.Request, k *Key, room string) (int, any, *protocol.Error) {
	q := r.URL.Query()
	var before uint64
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, nil, protocol.Errorf(protocol.CodeBadRequest, "before must be an offset (a whole number)")
		}
		before = n
	}
	limit := DefaultHistoryLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > protocol.MaxHistoryPage {
			return 0, nil, protocol.Errorf(protocol.CodeBadRequest, "limit must be from 1 to %d", protocol.MaxHistoryPage)
		}
		limit = n
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	ev, perr := a.rooms.ReadHistory(ctx, room, before, limit)
	if perr != nil {
		return 0, nil, perr
	}
	page := HistoryPage{Room: room, Epoch: ev.Epoch, Last: ev.Offset, Events: ev.Events, More: ev.More}
	if page.Events == nil {
		page.Events = []protocol.Event{}
	}
	if page.More {
		page.NextBefore = page.Events[0].Offset
	}
	return http.StatusOK, page, nil
}

// Presence is the answer of GET /rooms/{room}/presence.
type Presence struct {
	Room string `json:"room"`
	// Count is the number of people in the room.
	Count   int             `json:"count"`
	Members []protocol.User `json:"members"`
}

func (a *API) presence(r *http.Request, k *Key, room string) (int, any, *protocol.Error) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	members, perr := a.rooms.Members(ctx, room)
	if perr != nil {
		return 0, nil, perr
	}
	if members == nil {
		members = []protocol.User{}
	}
	return http.StatusOK, Presence{Room: room, Count: len(members), Members: members}, nil
}

// RoomList is the answer of GET /rooms.
type RoomList struct {
	// Rooms are the active rooms the key may reach, busiest first.
	Rooms []protocol.RoomInfo `json:"rooms"`
}

func (a *API) listRooms(r *http.Request, k *Key, _ string) (int, any, *protocol.Error) {
	list := RoomList{Rooms: []protocol.RoomInfo{}}
	for _, info := range a.rooms.ActiveRooms() {
		if k.allows(info.Name) {
			list.Rooms = append(list.Rooms, info)
		}
	}
	return http.StatusOK, list, nil
}

package ui

import (
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// outboxStore keeps a room's unacknowledged commands (send, edit, delete)
// in local storage, one key per room, so a reload keeps unsent messages and
// the next session sends them with their original ids (the server stores
// each id once). It implements client.OutboxStore; the session calls Save
// from its goroutine, so the last saved outbox is also kept in memory for
// the page to read.
type outboxStore struct {
	storage app.BrowserStorage
	key     string

	mu   sync.Mutex
	last []protocol.Command
}

func newOutboxStore(s app.BrowserStorage, room string) *outboxStore {
	return &outboxStore{storage: s, key: keyOutboxPrefix + room}
}

// Load returns the stored outbox; nothing (or an unreadable value) is empty.
func (o *outboxStore) Load() []protocol.Command {
	var cmds []protocol.Command
	if err := o.storage.Get(o.key, &cmds); err != nil {
		cmds = nil
	}
	valid := cmds[:0]
	for _, c := range cmds {
		if c.ID != "" && c.Validate() == nil {
			valid = append(valid, c)
		}
	}
	o.mu.Lock()
	o.last = valid
	o.mu.Unlock()
	return valid
}

// Save stores the outbox, or removes the key when it is empty. A storage
// failure (quota, private mode) only loses persistence across reloads.
func (o *outboxStore) Save(cmds []protocol.Command) {
	o.mu.Lock()
	o.last = cmds
	o.mu.Unlock()
	if len(cmds) == 0 {
		o.storage.Del(o.key)
		return
	}
	if err := o.storage.Set(o.key, cmds); err != nil {
		app.Log("switchboard: cannot store unsent messages:", err)
	}
}

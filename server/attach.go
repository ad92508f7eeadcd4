package server

import (
	"errors"

	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// authenticate returns who presents token over HTTP: the person of a
// session token from a welcome, or of a site's JWT (with its role and
// rooms).
func (n *Node) authenticate(token string) (protocol.User, hub.Access, error) {
	if claims, err := n.sessions.Verify(token); err == nil {
		return protocol.User{ID: claims.UserID, Name: claims.Name}, hub.Access{}, nil
	}
	p, err := n.tokens.Verify(token)
	if err != nil {
		return protocol.User{}, hub.Access{}, errors.New("neither a session nor a sign-in token")
	}
	return protocol.User{ID: p.UserID, Name: p.Name, Role: p.Role}, hub.Access{Role: p.Role, Rooms: p.Rooms}, nil
}

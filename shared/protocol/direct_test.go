package protocol

import "testing"

func TestDirectRooms(t *testing.T) {
	a, b := "uwYSzWh_NrsPz", "u3TmSysES-C2g"
	room, err := DirectRoom(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := DirectRoom(b, a); again != room {
		t.Fatalf("DirectRoom depends on the order: %q, %q", room, again)
	}
	if room != "dm-13-u3TmSysES-C2g-uwYSzWh_NrsPz" {
		t.Fatalf("DirectRoom = %q", room)
	}
	x, y, ok := DirectMembers(room)
	if !ok || x != b || y != a {
		t.Fatalf("DirectMembers(%q) = %q, %q, %v", room, x, y, ok)
	}
	if !MayEnterByName(room, a, "") || !MayEnterByName(room, b, "") || MayEnterByName(room, "u3TmSysES", RoleAdmin) {
		t.Fatal("MayEnterByName lets the wrong people into a direct room")
	}
	// Ids with dashes cannot be split another way.
	room2, _ := DirectRoom("a-1", "a")
	if x, y, ok := DirectMembers(room2); !ok || x != "a" || y != "a-1" {
		t.Fatalf("DirectMembers(%q) = %q, %q, %v", room2, x, y, ok)
	}
	for _, bad := range []string{"dm-", "dm-x", "dm-1-a", "dm-01-a-b", "dm-1-b-a", "dm-1-a-a", "dm-2-a-b", "dm-1-a_b"} {
		if _, _, ok := DirectMembers(bad); ok {
			t.Errorf("DirectMembers(%q) ok", bad)
		}
		if !PrivateByName(bad) || MayEnterByName(bad, "a", RoleAdmin) || MayEnterByName(bad, "b", "") {
			t.Errorf("malformed direct room %q admits someone", bad)
		}
	}
	if _, err := DirectRoom(a, a); err == nil {
		t.Error("a direct room with oneself")
	}
	if _, err := DirectRoom("bad id", a); err == nil {
		t.Error("a direct room for an id rooms cannot hold")
	}
	inbox, err := InboxRoom(a)
	if err != nil || !PrivateByName(inbox) || !MayEnterByName(inbox, a, "") || MayEnterByName(inbox, b, RoleAdmin) {
		t.Fatalf("inbox %q: %v", inbox, err)
	}
	if PrivateByName("lobby") || MayEnterByName("lobby", a, RoleAdmin) {
		t.Fatal("a plain room is private by name")
	}
}

// A conversation admits its visitor and the agents; the agents' inbox
// admits agents only.
func TestConversationRooms(t *testing.T) {
	conv, err := ConversationRoom("uVisitor1")
	if err != nil || conv != "conv-uVisitor1" {
		t.Fatalf("ConversationRoom = %q, %v", conv, err)
	}
	if owner, ok := ConversationOwner(conv); !ok || owner != "uVisitor1" {
		t.Fatalf("ConversationOwner = %q, %v", owner, ok)
	}
	for _, c := range []struct {
		room, user, role string
		ok               bool
	}{
		{conv, "uVisitor1", "", true},
		{conv, "uVisitor2", "", false},
		{conv, "uAgent", RoleModerator, true},
		{conv, "uAgent", RoleAdmin, true},
		{conv, "uAgent", RoleMember, false},
		{AgentsInbox, "uAgent", RoleModerator, true},
		{AgentsInbox, "uVisitor1", "", false},
		{"conv-", "", RoleMember, false},
	} {
		if !PrivateByName(c.room) || MayEnterByName(c.room, c.user, c.role) != c.ok {
			t.Errorf("MayEnterByName(%q, %q, %q) != %v", c.room, c.user, c.role, c.ok)
		}
	}
	if _, err := ConversationRoom("no spaces"); err == nil {
		t.Error("a conversation room for an id rooms cannot hold")
	}
}

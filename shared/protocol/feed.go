package protocol

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Live data feeds. A room's feed is a second stored sequence next to its
// messages: events of type EvPoints, each carrying one or more data points,
// with their own epoch and offsets (1, 2, 3, … with no gaps, like messages,
// but counted apart) and their own retention on the server. A client that
// wants a room's feed joins the room, then sends CmdFeed (with the feed
// position it has, to resume); it then receives EvPoints events live.

// The feed commands and events.
const (
	// CmdFeed starts the feed of Room, a room the connection has joined.
	// With Epoch and Offset (a feed position) it resumes after it;
	// otherwise the answer carries the feed's recent points. Answered by
	// EvFeed; EvPoints events follow live until the connection leaves the
	// room.
	CmdFeed CommandType = "feed"
	// CmdPoints publishes Points to Room's feed. Allowed for admins,
	// moderators of the room, people whose token gives them the role
	// "publisher" (in the rooms it allows), and anyone in a room the server
	// opens to feeds (its feed-rooms setting). The connection need not have
	// joined the room. ID makes it idempotent like a send. Answered by
	// EvAck with the feed offset.
	CmdPoints CommandType = "points"

	// EvFeed answers CmdFeed: the feed's Epoch and latest Offset, and
	// either the missed EvPoints events (Recovered true) or the feed's
	// recent ones (Events), oldest first.
	EvFeed EventType = "feed"
	// EvPoints is a stored feed event: Points published by User at Time,
	// at feed position (Epoch, Offset).
	EvPoints EventType = "points"
)

// RolePublisher may publish points to the feeds of the rooms its token
// allows.
const RolePublisher = "publisher"

// Point is one value of a series at a time.
type Point struct {
	// Series names the line the point belongs to ("BTC", "Oslo"). 1 to
	// MaxSeriesRunes characters, no control characters.
	Series string `json:"series"`
	// Value is the number. JSON has no NaN or infinities, so it is finite.
	Value float64 `json:"value"`
	// Unit is shown on the chart's axis ("USD", "°C"). Optional, at most
	// MaxUnitRunes characters.
	Unit string `json:"unit,omitempty"`
	// Time is when the value was measured, in Unix milliseconds. Optional:
	// zero means when the server stores it.
	Time int64 `json:"ts,omitempty"`
}

// Feed limits.
const (
	// MaxPointsPerCommand is the most points one points command carries.
	MaxPointsPerCommand = 64
	// MaxSeriesRunes is the longest series name, in characters.
	MaxSeriesRunes = 40
	// MaxUnitRunes is the longest unit, in characters.
	MaxUnitRunes = 12
)

// ValidatePoints checks points to publish: 1 to MaxPointsPerCommand of them,
// each with a series name and a unit within the limits and no negative time.
func ValidatePoints(points []Point) *Error {
	if len(points) == 0 || len(points) > MaxPointsPerCommand {
		return Errorf(CodeInvalidPoint, "a points command carries 1 to %d points", MaxPointsPerCommand)
	}
	for i, p := range points {
		if strings.TrimSpace(p.Series) == "" {
			return Errorf(CodeInvalidPoint, "point %d has no series name", i+1)
		}
		if err := checkLabel(p.Series, MaxSeriesRunes); err != "" {
			return Errorf(CodeInvalidPoint, "point %d: series name %s", i+1, err)
		}
		if err := checkLabel(p.Unit, MaxUnitRunes); err != "" {
			return Errorf(CodeInvalidPoint, "point %d: unit %s", i+1, err)
		}
		if p.Time < 0 {
			return Errorf(CodeInvalidPoint, "point %d: time is negative", i+1)
		}
	}
	return nil
}

// checkLabel returns what is wrong with a series name or unit, or "".
func checkLabel(s string, max int) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if utf8.RuneCountInString(s) > max {
		return "is longer than " + strconv.Itoa(max) + " characters"
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "contains a control character"
		}
	}
	return ""
}

package protocol

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeCommand(t *testing.T) {
	long := strings.Repeat("x", MaxTextRunes+1)
	tests := []struct {
		name  string
		frame string
		code  ErrorCode // "" means valid
		id    string    // the id the error must carry
	}{
		{"hello", `{"type":"hello","id":"1","name":"ann"}`, "", ""},
		{"hello binary", `{"type":"hello","id":"1","name":"ann","binary":true}`, "", ""},
		{"binary on join", `{"type":"join","id":"j","room":"r","binary":true}`, CodeBadRequest, "j"},
		{"hello with session", `{"type":"hello","id":"1","name":"ann","session":"abc.def"}`, "", ""},
		{"join", `{"type":"join","id":"a-1","room":"lobby"}`, "", ""},
		{"join resume", `{"type":"join","id":"a-1","room":"lobby","epoch":"e1","offset":7}`, "", ""},
		{"join watch", `{"type":"join","id":"w","room":"lobby","watch":true}`, "", ""},
		{"watch on send", `{"type":"send","id":"s","room":"r","text":"t","watch":true}`, CodeBadRequest, "s"},
		{"watch not a bool", `{"type":"join","id":"w","room":"r","watch":"yes"}`, CodeBadRequest, "w"},
		{"send", `{"type":"send","id":"x:1","room":"lobby","text":"hi"}`, "", ""},
		{"send multiline", `{"type":"send","id":"x","room":"r","text":"a\nb\tc"}`, "", ""},
		{"history", `{"type":"history","id":"h","room":"r","offset":10,"limit":50}`, "", ""},
		{"ping", `{"type":"ping","id":"p"}`, "", ""},
		{"leave", `{"type":"leave","id":"l","room":"r"}`, "", ""},
		{"feed", `{"type":"feed","id":"f","room":"r"}`, "", ""},
		{"feed resume", `{"type":"feed","id":"f","room":"r","epoch":"e1","offset":4}`, "", ""},
		{"points", `{"type":"points","id":"p","room":"r","points":[{"series":"BTC","value":0},{"series":"Oslo","value":-3.5,"unit":"°C","ts":1763729000123}]}`, "", ""},

		{"cursor", `{"type":"cursor","id":"c","room":"r","x":0.25,"y":1}`, "", ""},
		{"cursor top left", `{"type":"cursor","id":"c","room":"r"}`, "", ""},
		{"cursor off the board", `{"type":"cursor","id":"c","room":"r","x":1.5,"y":0.5}`, CodeBadRequest, "c"},
		{"cursor negative", `{"type":"cursor","id":"c","room":"r","x":0.5,"y":-0.1}`, CodeBadRequest, "c"},
		{"x on send", `{"type":"send","id":"s","room":"r","text":"t","x":0.5}`, CodeBadRequest, "s"},
		{"send attachment", `{"type":"send","id":"s","room":"r","attachment":{"id":"f3a9c2"}}`, "", ""},
		{"send attachment with caption", `{"type":"send","id":"s","room":"r","text":"look","attachment":{"id":"f3a9c2","name":"ignored.png"}}`, "", ""},
		{"send attachment bad id", `{"type":"send","id":"s","room":"r","attachment":{"id":"../etc"}}`, CodeBadRequest, "s"},
		{"send attachment no id", `{"type":"send","id":"s","room":"r","attachment":{}}`, CodeBadRequest, "s"},
		{"attachment on edit", `{"type":"edit","id":"e","room":"r","target":1,"text":"t","attachment":{"id":"a"}}`, CodeBadRequest, "e"},
		{"feed resume needs an epoch", `{"type":"feed","id":"f","room":"r","offset":4}`, CodeBadRequest, "f"},
		{"points without points", `{"type":"points","id":"p","room":"r"}`, CodeInvalidPoint, "p"},
		{"points empty list", `{"type":"points","id":"p","room":"r","points":[]}`, CodeInvalidPoint, "p"},
		{"point without series", `{"type":"points","id":"p","room":"r","points":[{"value":1}]}`, CodeInvalidPoint, "p"},
		{"point series too long", `{"type":"points","id":"p","room":"r","points":[{"series":"` + strings.Repeat("s", MaxSeriesRunes+1) + `","value":1}]}`, CodeInvalidPoint, "p"},
		{"point unit control char", `{"type":"points","id":"p","room":"r","points":[{"series":"a","unit":"\u0007","value":1}]}`, CodeInvalidPoint, "p"},
		{"point negative time", `{"type":"points","id":"p","room":"r","points":[{"series":"a","value":1,"ts":-5}]}`, CodeInvalidPoint, "p"},
		{"point value not a number", `{"type":"points","id":"p","room":"r","points":[{"series":"a","value":"NaN"}]}`, CodeBadRequest, "p"},
		{"point unknown field", `{"type":"points","id":"p","room":"r","points":[{"series":"a","value":1,"x":2}]}`, CodeBadRequest, "p"},
		{"too many points", `{"type":"points","id":"p","room":"r","points":[` + strings.Repeat(`{"series":"a","value":1},`, MaxPointsPerCommand) + `{"series":"a","value":1}]}`, CodeInvalidPoint, "p"},
		{"points on send", `{"type":"send","id":"s","room":"r","text":"x","points":[{"series":"a","value":1}]}`, CodeBadRequest, "s"},

		{"not json", `hello`, CodeBadRequest, ""},
		{"array", `[1,2]`, CodeBadRequest, ""},
		{"two values", `{"type":"ping","id":"p"}{"type":"ping","id":"q"}`, CodeBadRequest, "p"},
		{"unknown field", `{"type":"ping","id":"p","admin":true}`, CodeBadRequest, "p"},
		{"wrong field type", `{"type":"ping","id":5}`, CodeBadRequest, ""},
		{"no type", `{"id":"p"}`, CodeBadRequest, "p"},
		{"unknown type", `{"type":"explode","id":"p"}`, CodeUnknownType, "p"},
		{"missing id", `{"type":"ping"}`, CodeInvalidID, ""},
		{"bad id chars", `{"type":"ping","id":"<script>"}`, CodeInvalidID, ""},
		{"id too long", `{"type":"ping","id":"` + strings.Repeat("a", MaxIDLen+1) + `"}`, CodeInvalidID, ""},
		{"field not used by type", `{"type":"ping","id":"p","room":"r"}`, CodeBadRequest, "p"},
		{"text on join", `{"type":"join","id":"j","room":"r","text":"x"}`, CodeBadRequest, "j"},
		{"room missing", `{"type":"join","id":"j"}`, CodeInvalidRoom, "j"},
		{"room bad chars", `{"type":"join","id":"j","room":"a b"}`, CodeInvalidRoom, "j"},
		{"room slash", `{"type":"join","id":"j","room":"a/b"}`, CodeInvalidRoom, "j"},
		{"room nats wildcard", `{"type":"join","id":"j","room":"a.>"}`, CodeInvalidRoom, "j"},
		{"room too long", `{"type":"join","id":"j","room":"` + strings.Repeat("r", MaxRoomLen+1) + `"}`, CodeInvalidRoom, "j"},
		{"resume needs an epoch", `{"type":"join","id":"j","room":"r","offset":3}`, CodeBadRequest, "j"},
		{"resume from an empty room", `{"type":"join","id":"j","room":"r","epoch":"none"}`, "", ""},
		{"empty text", `{"type":"send","id":"s","room":"r","text":"   "}`, CodeInvalidText, "s"},
		{"text too long", `{"type":"send","id":"s","room":"r","text":"` + long + `"}`, CodeInvalidText, "s"},
		{"text control char", `{"type":"send","id":"s","room":"r","text":"a\u0007b"}`, CodeInvalidText, "s"},
		{"empty name", `{"type":"hello","id":"h","name":"  "}`, CodeInvalidName, "h"},
		{"name too long", `{"type":"hello","id":"h","name":"` + strings.Repeat("n", MaxNameRunes+1) + `"}`, CodeInvalidName, "h"},
		{"name newline", `{"type":"hello","id":"h","name":"a\nb"}`, CodeInvalidName, "h"},
		{"name bidi override", `{"type":"hello","id":"h","name":"a\u202eb"}`, CodeInvalidName, "h"},
		{"history limit zero", `{"type":"history","id":"h","room":"r"}`, CodeBadRequest, "h"},
		{"history limit big", `{"type":"history","id":"h","room":"r","limit":100000}`, CodeBadRequest, "h"},
		{"frame too big", `{"type":"send","id":"s","room":"r","text":"` + strings.Repeat("é", MaxFrameBytes/2) + `"}`, CodeBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := DecodeCommand([]byte(tt.frame))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("DecodeCommand(%s) = %v, want valid", tt.frame, err)
				}
				return
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("DecodeCommand(%.80s) error = %v, want code %s", tt.frame, err, tt.code)
			}
			if perr.Code != tt.code {
				t.Fatalf("DecodeCommand(%.80s) code = %s (%s), want %s", tt.frame, perr.Code, perr.Message, tt.code)
			}
			if cmd.ID != tt.id {
				t.Fatalf("error names command %q, want %q", cmd.ID, tt.id)
			}
		})
	}
}

func TestDecodeCommandInvalidUTF8(t *testing.T) {
	_, err := DecodeCommand([]byte("{\"type\":\"send\",\"id\":\"s\",\"room\":\"r\",\"text\":\"\xff\"}"))
	if !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("error = %v, want ErrInvalidUTF8", err)
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  ann ", "ann"},
		{"e\u0301lise", "\u00e9lise"}, // NFD → NFC
		{"Zoë", "Zoë"},
		{"名前", "名前"},
	}
	for _, tt := range tests {
		got, err := NormalizeName(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if NameKey("Ann") != NameKey("aNN") {
		t.Error("NameKey must ignore case")
	}
	a, _ := NormalizeName("E\u0301lise")
	b, _ := NormalizeName("\u00e9lise")
	if NameKey(a) != NameKey(b) {
		t.Error("NameKey must equate canonically equal names in any case")
	}
}

func TestCloseCodeReconnect(t *testing.T) {
	for code, want := range map[CloseCode]bool{
		CloseNormal: false, CloseGoingAway: true, CloseRestart: true, CloseTryAgainLater: true,
		CloseSlowConsumer: true, CloseHeartbeatTimeout: true, CloseInvalidData: false,
		CloseTooBig: false, CloseProtocolViolation: false, CloseUnauthorized: false, 1006: true,
	} {
		if got := code.Reconnect(); got != want {
			t.Errorf("CloseCode(%d).Reconnect() = %v, want %v", code, got, want)
		}
	}
}

func TestEventRoundTrip(t *testing.T) {
	ev := Event{Type: EvMessage, Room: "r", Epoch: "e", Offset: 9, ID: "m", User: &User{ID: "u", Name: "ann"}, Text: "<b>hi</b>", Time: 1}
	data, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Text != ev.Text || back.Offset != 9 || back.User.Name != "ann" {
		t.Fatalf("round trip = %+v", back)
	}
}

func TestDecodeChatCommands(t *testing.T) {
	valid := []string{
		`{"type":"typing","id":"t","room":"r"}`,
		`{"type":"edit","id":"e","room":"r","target":3,"text":"fixed"}`,
		`{"type":"delete","id":"d","room":"r","target":3}`,
		`{"type":"rooms","id":"l"}`,
		`{"type":"hello","id":"h"}`,
	}
	for _, f := range valid {
		if _, err := DecodeCommand([]byte(f)); err != nil {
			t.Errorf("DecodeCommand(%s) = %v, want valid", f, err)
		}
	}
	invalid := map[string]ErrorCode{
		`{"type":"edit","id":"e","room":"r","text":"x"}`:              CodeBadRequest,
		`{"type":"edit","id":"e","room":"r","target":1,"text":""}`:    CodeInvalidText,
		`{"type":"delete","id":"d","room":"r"}`:                       CodeBadRequest,
		`{"type":"delete","id":"d","room":"r","target":1,"text":"x"}`: CodeBadRequest,
		`{"type":"typing","id":"t"}`:                                  CodeInvalidRoom,
		`{"type":"rooms","id":"l","room":"r"}`:                        CodeBadRequest,
	}
	for f, code := range invalid {
		_, err := DecodeCommand([]byte(f))
		var perr *Error
		if !errors.As(err, &perr) || perr.Code != code {
			t.Errorf("DecodeCommand(%s) = %v, want %s", f, err, code)
		}
	}
}

func TestBatchFrameDecodes(t *testing.T) {
	a, _ := (&Event{Type: EvMessage, Room: "r", Offset: 1, Text: "a"}).Encode()
	b, _ := (&Event{Type: EvPong, Ref: "p"}).Encode()
	frame := append(append(append(append(append([]byte{}, BatchPrefix...), a...), ','), b...), BatchSuffix...)
	ev, err := DecodeEvent(frame)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != EvBatch || len(ev.Events) != 2 || ev.Events[0].Text != "a" || ev.Events[1].Ref != "p" {
		t.Fatalf("batch = %+v", ev)
	}
}

func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"photo.png":                             "photo.png",
		"../../etc/passwd":                      "passwd",
		`C:\Users\ann\cv.pdf`:                   "cv.pdf",
		"a\u0000b\"c\u202e.txt":                 "abc.txt",
		"  ":                                    "file",
		"..":                                    "file",
		strings.Repeat("é", MaxFileNameRunes+5): strings.Repeat("é", MaxFileNameRunes),
	} {
		if got := CleanFileName(in); got != want {
			t.Errorf("CleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// The length limits are inclusive: a 32-character nickname (counted in
// characters after trimming, not bytes) and a 64-character room name are
// valid, one more is not.
func TestNameAndRoomLengthBoundaries(t *testing.T) {
	names := []struct {
		name  string
		in    string
		valid bool
	}{
		{"32 ASCII", strings.Repeat("n", MaxNameRunes), true},
		{"33 ASCII", strings.Repeat("n", MaxNameRunes+1), false},
		{"32 two-byte", strings.Repeat("é", MaxNameRunes), true},
		{"33 two-byte", strings.Repeat("é", MaxNameRunes+1), false},
		{"32 after trimming", "  " + strings.Repeat("n", MaxNameRunes) + " ", true},
		{"32 after NFC", strings.Repeat("e\u0301", MaxNameRunes), true}, // 64 runes before
		{"1", "n", true},
	}
	if MaxNameRunes != 32 {
		t.Fatalf("MaxNameRunes = %d, the rules say 32", MaxNameRunes)
	}
	for _, tt := range names {
		got, err := NormalizeName(tt.in)
		if (err == nil) != tt.valid {
			t.Errorf("%s: NormalizeName(%d runes) = %q, %v; want valid %v", tt.name, len([]rune(tt.in)), got, err, tt.valid)
		}
		if err != nil && err.Code != CodeInvalidName {
			t.Errorf("%s: code %s, want %s", tt.name, err.Code, CodeInvalidName)
		}
	}

	if MaxRoomLen != 64 {
		t.Fatalf("MaxRoomLen = %d, the rules say 64", MaxRoomLen)
	}
	rooms := []struct {
		room  string
		valid bool
	}{
		{strings.Repeat("r", MaxRoomLen), true},
		{strings.Repeat("r", MaxRoomLen-2) + "-_", true},
		{strings.Repeat("r", MaxRoomLen+1), false},
		{"r", true},
		{"", false},
	}
	for _, tt := range rooms {
		err := ValidateRoom(tt.room)
		if (err == nil) != tt.valid {
			t.Errorf("ValidateRoom(%d chars) = %v, want valid %v", len(tt.room), err, tt.valid)
		}
		if err != nil && err.Code != CodeInvalidRoom {
			t.Errorf("ValidateRoom(%d chars) code %s, want %s", len(tt.room), err.Code, CodeInvalidRoom)
		}
		// The same through a join frame, as the server receives it.
		_, derr := DecodeCommand([]byte(`{"type":"join","id":"j","room":"` + tt.room + `"}`))
		if (derr == nil) != tt.valid {
			t.Errorf("join %d-char room: %v, want valid %v", len(tt.room), derr, tt.valid)
		}
	}
}

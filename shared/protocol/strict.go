package protocol

import (
	"bytes"
	"errors"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// DecodeStrict decodes data, one JSON object, into v (a pointer to a
// struct), refusing what a lenient decoder lets through:
//   - a value that is not an object (null included);
//   - a member name given twice ({"text":"a","text":"b"}: decoders
//     disagree on which one counts, so a proxy that checks the first and a
//     server that keeps the last could be told different things);
//   - a member v has no field for, or a name that matches a field only in
//     another case ("Text" for "text");
//   - invalid UTF-8, and anything after the object.
//
// It decodes with github.com/go-json-experiment/json (encoding/json/v2's
// semantics), which refuses duplicate names by itself. The error says in
// plain words what is wrong, for an error event or an HTTP answer.
// Every JSON a peer sends (WebSocket frames, the HTTP and admin APIs) is
// decoded with it.
func DecodeStrict(data []byte, v any) error {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errors.New("send one JSON object")
	}
	if err := json.Unmarshal(data, v, json.RejectUnknownMembers(true)); err != nil {
		return errors.New(strictErrText(err))
	}
	return nil
}

// strictErrText names what DecodeStrict refused, briefly, never echoing
// more than a member name of the input.
func strictErrText(err error) string {
	var serr *jsontext.SyntacticError
	var merr *json.SemanticError
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName) && errors.As(err, &serr):
		return "duplicate key " + quoteName(serr.JSONPointer.LastToken())
	case errors.Is(err, json.ErrUnknownName) && errors.As(err, &merr):
		return "unknown field " + quoteName(merr.JSONPointer.LastToken())
	case errors.As(err, &merr) && merr.JSONPointer != "":
		return "wrong type for " + quoteName(string(merr.JSONPointer)) + ": " + expected(merr)
	case errors.As(err, &serr):
		return "malformed JSON: " + strings.TrimPrefix(serr.Err.Error(), "jsontext: ")
	}
	return "malformed JSON"
}

// expected says what a field needed, from a semantic error.
func expected(merr *json.SemanticError) string {
	if merr.GoType != nil {
		return "want " + merr.GoType.String()
	}
	return "not a valid value"
}

// quoteName quotes a member name or path for an error, cut to 40 bytes.
func quoteName(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "") + `"`
}

package protocol

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Attachments: images and files people share in a room. A client uploads
// the file over HTTP (POST /upload?room=ROOM&name=NAME, authorised with
// "Authorization: Bearer <session token or JWT>"); the server sniffs its
// content type, stores it and answers with an Attachment. The client then
// sends a message whose Attachment names it by ID; the server fills in the
// name, size and type it stored, so what others see is what it checked.
// Files are served at /files/{id}: safe images inline, everything else as
// a download.

// Attachment is a stored file as a message refers to it.
type Attachment struct {
	// ID names the stored file: 1 to MaxIDLen letters, digits and -_.
	ID string `json:"id"`
	// Name is the file name the uploader gave, at most MaxFileNameRunes.
	Name string `json:"name,omitempty"`
	// Size is the file's length in bytes.
	Size int64 `json:"size,omitempty"`
	// Type is the content type the server sniffed.
	Type string `json:"type,omitempty"`
}

// MaxFileNameRunes is the longest attachment file name, in characters.
const MaxFileNameRunes = 200

// InlineImageTypes are the content types shown inline (as images); every
// other type is served as a download. SVG is never inline: it can carry
// scripts.
var InlineImageTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
}

// Inline reports whether a is an image browsers may show inline.
func (a *Attachment) Inline() bool { return a != nil && InlineImageTypes[a.Type] }

// FilePath is the URL path a stored file is served at.
func (a *Attachment) FilePath() string { return "/files/" + a.ID }

// ValidateAttachment checks an attachment reference from a client: a
// well-formed id (the other fields are the server's to fill).
func ValidateAttachment(a *Attachment) *Error {
	if a.ID == "" || len(a.ID) > MaxIDLen {
		return Errorf(CodeBadRequest, "attachment id must be 1 to %d characters", MaxIDLen)
	}
	for i := 0; i < len(a.ID); i++ {
		if !isRoomByte(a.ID[i]) {
			return Errorf(CodeBadRequest, "attachment id may only hold letters, digits, - and _")
		}
	}
	return nil
}

// CleanFileName makes an uploaded file name safe to store and show: the
// last path element, without control characters, at most
// MaxFileNameRunes characters; "file" if nothing is left.
func CleanFileName(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "")
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > MaxFileNameRunes {
		name = string(r[:MaxFileNameRunes])
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

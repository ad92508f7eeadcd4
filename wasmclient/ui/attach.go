package ui

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Attachments in the browser: the person picks files (the Attach button)
// or drops them on the room; each is uploaded over HTTP (uploadPath,
// authorised with the session token of the welcome, or the site's token),
// then shared with a message that names it. Images show inline as
// thumbnails that open the full file; other files as download links.

// uploadPath is the server's upload endpoint, relative to the page.
const uploadPath = "/upload"

// onAttachClick opens the file picker.
func (c *roomPage) onAttachClick(ctx app.Context, e app.Event) {
	ctx.PreventUpdate()
	if el := app.Window().GetElementByID(idFileInput); el.Truthy() {
		el.Call("click")
	}
}

// onFilesPicked uploads the files chosen in the picker.
func (c *roomPage) onFilesPicked(ctx app.Context, e app.Event) {
	input := ctx.JSSrc()
	c.uploadFiles(ctx, input.Get("files"))
	input.Set("value", "") // picking the same file again fires change again
}

// onDragOver accepts files dragged over the room (and shows it).
func (c *roomPage) onDragOver(ctx app.Context, e app.Event) {
	if !hasFiles(e) || c.removed != "" {
		ctx.PreventUpdate()
		return
	}
	e.PreventDefault()
	if c.dropping {
		ctx.PreventUpdate()
		return
	}
	c.dropping = true
}

func (c *roomPage) onDragLeave(ctx app.Context, e app.Event) {
	// Leaving for a child of the room is not leaving the room.
	if rel := e.Get("relatedTarget"); rel.Truthy() && ctx.JSSrc().Call("contains", rel).Bool() {
		ctx.PreventUpdate()
		return
	}
	c.dropping = false
}

// onDrop uploads the files dropped on the room.
func (c *roomPage) onDrop(ctx app.Context, e app.Event) {
	c.dropping = false
	if !hasFiles(e) {
		return
	}
	e.PreventDefault()
	if c.removed != "" {
		return
	}
	c.uploadFiles(ctx, e.Get("dataTransfer").Get("files"))
}

func hasFiles(e app.Event) bool {
	dt := e.Get("dataTransfer")
	if !dt.Truthy() {
		return false
	}
	types := dt.Get("types")
	for i := 0; i < types.Length(); i++ {
		if types.Index(i).String() == "Files" {
			return true
		}
	}
	return false
}

// uploadFiles uploads each file of a FileList, then shares it with a
// message through the outbox. Progress and errors show under the composer.
func (c *roomPage) uploadFiles(ctx app.Context, files app.Value) {
	if !files.Truthy() || c.sess == nil {
		return
	}
	token := c.token
	if token == "" {
		token = c.id.Session
	}
	s, room := c.sess, c.room
	for i := 0; i < files.Length(); i++ {
		file := files.Index(i)
		name := file.Get("name").String()
		c.uploading++
		c.sendErr = ""
		ctx.Async(func() {
			att, err := upload(file, room, name, token)
			ctx.Dispatch(func(ctx app.Context) {
				c.uploading--
				if c.sess != s {
					return
				}
				if err != nil {
					c.sendErr = "“" + name + "” was not shared: " + err.Error()
					return
				}
				id, serr := s.Send(protocol.Command{Type: protocol.CmdSend, Room: room, Attachment: &att})
				if serr != nil {
					c.sendErr = "“" + name + "” was not shared: " + serr.Error()
					return
				}
				c.model.addPending(id, "📎 "+att.Name, 0)
				ctx.Defer(func(app.Context) { scrollToBottom(idScroll) })
			})
		})
	}
}

// upload posts file to the server and returns the stored attachment. It
// blocks: call it from a goroutine, never the UI one.
func upload(file app.Value, room, name, token string) (protocol.Attachment, error) {
	var att protocol.Attachment
	headers := app.Window().Get("Headers").New()
	headers.Call("set", "Authorization", "Bearer "+token)
	opts := app.Window().Get("Object").New()
	opts.Set("method", "POST")
	opts.Set("headers", headers)
	opts.Set("body", file)
	u := uploadPath + "?room=" + url.QueryEscape(room) + "&name=" + url.QueryEscape(name)
	resp, err := await(app.Window().Call("fetch", u, opts))
	if err != nil {
		return att, errors.New("the upload failed; check your connection and try again")
	}
	body, err := await(resp.Call("text"))
	if err != nil {
		return att, errors.New("the upload was interrupted; try again")
	}
	if status := resp.Get("status").Int(); status != 201 {
		var answer struct {
			Error *protocol.Error `json:"error"`
		}
		if json.Unmarshal([]byte(body.String()), &answer) != nil || answer.Error == nil {
			return att, errors.New("the server answered HTTP " + strconv.Itoa(status))
		}
		return att, errors.New(lowerFirst(sentence(answer.Error.Message)))
	}
	if err := json.Unmarshal([]byte(body.String()), &att); err != nil || att.ID == "" {
		return att, errors.New("the server's answer was not understood")
	}
	return att, nil
}

// await waits for the promise p to settle and returns its value, or an
// error if it was rejected. It blocks: call it from a goroutine.
func await(p app.Value) (app.Value, error) {
	type result struct {
		v   app.Value
		err error
	}
	done := make(chan result, 1)
	ok := app.FuncOf(func(_ app.Value, args []app.Value) any {
		done <- result{v: args[0]}
		return nil
	})
	defer ok.Release()
	fail := app.FuncOf(func(_ app.Value, args []app.Value) any {
		done <- result{err: errors.New(args[0].Call("toString").String())}
		return nil
	})
	defer fail.Release()
	p.Call("then", ok, fail)
	r := <-done
	return r.v, r.err
}

// renderAttachment shows a message's file: an image as a thumbnail that
// opens the full image, any other file as a download link with its name
// and size.
func renderAttachment(a *protocol.Attachment) app.UI {
	if a.Inline() {
		return app.A().
			Class("sb-attach sb-attach-image").
			Href("%s", a.FilePath()).
			Target("_blank").
			Rel("noopener").
			Title("Open " + a.Name).
			Body(app.Img().Class("sb-thumb").Src(a.FilePath()).Alt(a.Name).Attr("loading", "lazy"))
	}
	return app.A().
		Class("sb-attach sb-attach-file").
		Href("%s", a.FilePath()).
		Attr("download", a.Name).
		Body(
			app.Span().Class("sb-attach-icon").Aria("hidden", true),
			app.Span().Class("sb-attach-name").Text(a.Name),
			app.Span().Class("sb-attach-size").Text(formatSize(a.Size)),
		)
}

// formatSize writes a file size as people read it: "812 bytes", "4.2 KB",
// "1.5 MB".
func formatSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1000*1000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + " KB"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
	"github.com/switchboard-rt/switchboard/server"
)

// An image dropped on the room shows in another person's tab as a
// thumbnail that links to the full image; a file picked with the Attach
// button shows as a download link with its name and size; a file over the
// size limit is refused with the reason under the composer.
func TestAttachmentsInBrowser(t *testing.T) {
	const room = "e2e-files"
	n := startNode(t, server.Config{MaxUploadBytes: 2048})
	alloc := browser(t)
	ann, _ := openTab(t, alloc, "ann")
	bob, _ := openTab(t, alloc, "bob")
	ann.joinRoom(n.HTTP.URL, room)
	bob.joinRoom(n.HTTP.URL, room)

	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for x := range 24 {
		img.Set(x, x%16, color.RGBA{R: 79, G: 70, B: 229, A: 255})
	}
	var pic bytes.Buffer
	png.Encode(&pic, img)
	ann.dropFile("pixel.png", "image/png", pic.Bytes())
	bob.find("image", "pixel.png")
	ok := bob.poll("the thumbnail to load", func(ctx context.Context) (bool, error) {
		w := evalPage[int](bob, `(() => { const i = document.querySelector('img.sb-thumb'); return i && i.complete ? i.naturalWidth : 0; })()`)
		return w == 24, nil
	})
	if !ok {
		t.Fatal("the thumbnail never loaded in bob's tab")
	}
	href := evalPage[string](bob, `document.querySelector('a.sb-attach-image').getAttribute('href')`)
	if !strings.HasPrefix(href, "/files/") || evalPage[string](bob, `document.querySelector('a.sb-attach-image').target`) != "_blank" {
		t.Fatalf("the thumbnail links to %q", href)
	}

	page := filepath.Join(t.TempDir(), "notes.html")
	os.WriteFile(page, []byte("<html><script>alert(1)</script></html>"), 0o600)
	ann.pickFile(page)
	bob.waitText("list", "Messages", "notes.html")
	link := evalPage[string](bob, `(() => { const a = document.querySelector('a.sb-attach-file'); return a.getAttribute('download') + ' ' + a.textContent; })()`)
	if link != "notes.html notes.html38 bytes" {
		t.Fatalf("the file link reads %q", link)
	}
	bob.screenshot("attachments-bob")

	ann.dropFile("big.bin", "application/octet-stream", bytes.Repeat([]byte{7}, 4096))
	ann.waitBody("“big.bin” was not shared: files may be at most 2 KB.")
}

// dropFile drops a file with content data on the room, as dragging it from
// the desktop would.
func (tb *tab) dropFile(name, typ string, data []byte) {
	tb.t.Helper()
	js := `(() => {
		const bytes = Uint8Array.from(atob("` + base64.StdEncoding.EncodeToString(data) + `"), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], "` + name + `", {type: "` + typ + `"}));
		const main = document.querySelector("main.sb-main");
		main.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
		return main.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
	})()`
	if handled := !evalPage[bool](tb, js); !handled {
		tb.t.Fatalf("%s: the room did not take the dropped file", tb.name)
	}
}

// pickFile chooses path in the Attach button's file picker.
func (tb *tab) pickFile(path string) {
	tb.t.Helper()
	tb.find("button", "Attach a file")
	tb.do("pick "+path, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		doc, err := chromedp.Call(ctx, dom.GetDocument, dom.GetDocumentParams{})
		if err != nil {
			return err
		}
		node, err := chromedp.Call(ctx, dom.QuerySelector, dom.QuerySelectorParams{NodeID: doc.Root.NodeID, Selector: "#sb-file"})
		if err != nil {
			return err
		}
		_, err = chromedp.Call(ctx, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: []string{path}, NodeID: node.NodeID})
		return err
	}))
}

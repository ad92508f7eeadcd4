package server_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// pngBytes is a small PNG image.
func pngBytes(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uploadFile posts body to base's upload endpoint and returns the status,
// the stored attachment (201) or the error's code.
func uploadFile(t testing.TB, base, token, room, name string, body io.Reader) (int, protocol.Attachment, protocol.ErrorCode) {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/upload?room="+url.QueryEscape(room)+"&name="+url.QueryEscape(name), body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var att protocol.Attachment
	if resp.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(data, &att); err != nil {
			t.Fatalf("upload answer %s: %v", data, err)
		}
		return resp.StatusCode, att, ""
	}
	var answer struct{ Error protocol.Error }
	if err := json.Unmarshal(data, &answer); err != nil {
		t.Fatalf("upload error %d is not JSON: %s", resp.StatusCode, data)
	}
	return resp.StatusCode, att, answer.Error.Code
}

func download(t testing.TB, base, id string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(base + "/files/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// Upload, share, download: an image is shared inline with what the server
// sniffed and stored, an HTML file only ever as a download, oversized and
// unauthorised uploads are refused with typed errors, nobody can share
// someone else's file, and files survive a restart.
func TestAttachments(t *testing.T) {
	t.Parallel()
	const room = "files"
	r := testnode.StartRestartable(t, server.Config{MaxUploadBytes: 64 << 10})
	ctx := testnode.Ctx(t)
	ann := testnode.Dial(t, r.WS, "ann")
	bob := testnode.Dial(t, r.WS, "bob")
	if _, err := ann.Join(ctx, room); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Join(ctx, room); err != nil {
		t.Fatal(err)
	}
	annToken := ann.Welcome().Session

	img := pngBytes(t)
	status, att, code := uploadFile(t, r.URL, annToken, room, "../pixel.png", bytes.NewReader(img))
	if status != http.StatusCreated || att.ID == "" || att.Type != "image/png" || att.Size != int64(len(img)) || att.Name != "pixel.png" {
		t.Fatalf("upload: %d %+v %s; want 201 with image/png, %d bytes, named pixel.png", status, att, code, len(img))
	}
	// The client's name, size and type are ignored: the server's count.
	ack, err := ann.Do(ctx, protocol.Command{Type: protocol.CmdSend, Room: room, Text: "a pixel",
		Attachment: &protocol.Attachment{ID: att.ID, Name: "evil.svg", Type: "image/svg+xml", Size: 1}})
	if err != nil {
		t.Fatalf("share: %v", err)
	}
	got, _ := testnode.WaitEvent(t, bob, wait, "the shared image", isMessage(room, "a pixel"))
	if got.Attachment == nil || *got.Attachment != att || got.Offset != ack.Offset {
		t.Fatalf("bob got attachment %+v, want %+v", got.Attachment, att)
	}
	resp, data := download(t, r.URL, att.ID)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(data, img) {
		t.Fatalf("image download: %d %v (%d bytes)", resp.StatusCode, resp.Header, len(data))
	}

	// HTML (and SVG, and anything not a safe image) is only a download.
	for name, body := range map[string]string{
		"page.html": "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>",
		"logo.svg":  `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`,
	} {
		status, f, code := uploadFile(t, r.URL, annToken, room, name, strings.NewReader(body))
		if status != http.StatusCreated {
			t.Fatalf("upload %s: %d %s", name, status, code)
		}
		resp, data := download(t, r.URL, f.ID)
		if resp.Header.Get("Content-Type") != "application/octet-stream" ||
			resp.Header.Get("Content-Disposition") != "attachment; filename="+name ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") || string(data) != body {
			t.Fatalf("%s (sniffed %s) served with %v", name, f.Type, resp.Header)
		}
	}

	// Refusals, each with its status and code.
	big := bytes.Repeat([]byte("x"), 64<<10+1)
	for _, tc := range []struct {
		what, token, room string
		body              io.Reader
		status            int
		code              protocol.ErrorCode
	}{
		{"too large (Content-Length)", annToken, room, bytes.NewReader(big), 413, protocol.CodeTooLarge},
		{"too large (chunked)", annToken, room, io.MultiReader(bytes.NewReader(big)), 413, protocol.CodeTooLarge},
		{"no token", "", room, bytes.NewReader(img), 401, protocol.CodeTokenInvalid},
		{"forged token", annToken + "x", room, bytes.NewReader(img), 401, protocol.CodeTokenInvalid},
		{"bad room", annToken, "a/b", bytes.NewReader(img), 400, protocol.CodeInvalidRoom},
		{"empty file", annToken, room, strings.NewReader(""), 400, protocol.CodeBadRequest},
	} {
		if status, _, code := uploadFile(t, r.URL, tc.token, tc.room, "f.bin", tc.body); status != tc.status || code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.what, status, code, tc.status, tc.code)
		}
	}
	if resp, _ := download(t, r.URL, "0123456789abcdef0123456789abcdef"); resp.StatusCode != 404 {
		t.Errorf("unknown file: %d, want 404", resp.StatusCode)
	}
	var perr *protocol.Error
	if _, err := bob.Do(ctx, protocol.Command{Type: protocol.CmdSend, Room: room, Attachment: &protocol.Attachment{ID: att.ID}}); !errors.As(err, &perr) || perr.Code != protocol.CodeForbidden {
		t.Errorf("bob shares ann's file: %v, want forbidden", err)
	}
	if _, err := bob.Do(ctx, protocol.Command{Type: protocol.CmdSend, Room: room, Attachment: &protocol.Attachment{ID: "nothere"}}); !errors.As(err, &perr) || perr.Code != protocol.CodeNotFound {
		t.Errorf("sharing a file never uploaded: %v, want not_found", err)
	}

	// The image survives a restart.
	r.Stop()
	r.Start()
	if resp, data := download(t, r.URL, att.ID); resp.StatusCode != 200 || !bytes.Equal(data, img) {
		t.Fatalf("after a restart: %d, %d bytes", resp.StatusCode, len(data))
	}
}

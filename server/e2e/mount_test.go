package e2e

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"github.com/switchboard-rt/switchboard/server/internal/testnode"
	"github.com/switchboard-rt/switchboard/server/web"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// startMountExample builds and runs examples/mount (a Go program serving
// Switchboard under /chat/ of its own mux) and returns its base URL.
func startMountExample(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mount")
	build := exec.Command("go", "build", "-o", bin, "./examples/mount")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the mount example: %v: %s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-data", t.TempDir(), "-web", webDir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the mount example did not stop cleanly: %v", err)
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("the mount example did not stop within 15 s")
		}
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "serving at "); ok {
				line <- rest
			}
		}
	}()
	select {
	case rest := <-line:
		return strings.TrimSuffix(strings.Fields(rest)[0], "/")
	case err := <-exited:
		t.Fatalf("the mount example exited: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("the mount example did not start within 60 s")
	}
	return ""
}

// The example program serves its own home page and Switchboard under
// /chat/: a person joins a room from /chat/, chats with a Go client that
// dials /chat/ws, and the app's links stay under the prefix.
func TestMountExample(t *testing.T) {
	const room = "mounted"
	base := startMountExample(t)
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the program's own home page: %d", resp.StatusCode)
	}

	alloc := browser(t)
	ann, _ := openTab(t, alloc, "ann")
	ann.joinRoom(base+"/chat", room)
	waitEval(ann, `location.pathname`, "/chat/r/"+room)
	bob := testnode.Dial(t, "ws"+strings.TrimPrefix(base, "http")+"/chat/ws", "bob")
	joinGo(t, bob, room)
	sendGo(t, bob, room, "hello through the prefix")
	ann.waitText("list", "Messages", "hello through the prefix")
	ann.say("and back")
	testnode.WaitEvent(t, bob, 10*time.Second, "ann's message", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvMessage && ev.Text == "and back"
	})
	// The brand link leads to Switchboard's home under the prefix, not to
	// the program's own home page.
	if got := evalOn[string](ann, "link", "Switchboard", `function() { return this.getAttribute("href"); }`); got != "/chat/" {
		t.Errorf("the brand links to %q, want /chat/", got)
	}
	ann.click("link", "Switchboard")
	waitEval(ann, `location.pathname`, "/chat/")
	ann.find("button", "Join")
}

// The static export, served by a plain file server on another origin,
// talks to a running server that allows that origin.
func TestStaticExport(t *testing.T) {
	const room = "static"
	out := t.TempDir()
	files := httptest.NewServer(http.FileServer(http.Dir(out)))
	t.Cleanup(files.Close)
	n := startNode(t, server.Config{AllowedOrigins: []string{files.URL}})
	if err := web.Export(web.ExportOptions{Dir: webDir, Out: out, Server: n.WS}); err != nil {
		t.Fatal(err)
	}

	alloc := browser(t)
	ann, _ := openTab(t, alloc, "ann")
	ann.joinRoom(files.URL, room)
	waitEval(ann, `location.origin`, files.URL)
	bob := testnode.Dial(t, n.WS, "bob")
	joinGo(t, bob, room)
	sendGo(t, bob, room, "hello, static site")
	ann.waitText("list", "Messages", "hello, static site")
	ann.say("served from files")
	testnode.WaitEvent(t, bob, 10*time.Second, "ann's message", func(ev protocol.Event) bool {
		return ev.Type == protocol.EvMessage && ev.Text == "served from files" && ev.User != nil && ev.User.Name == "ann"
	})

	// Without the static host's origin in --allowed-origins the server
	// refuses the app's socket.
	strict := startNode(t, server.Config{})
	out2 := t.TempDir()
	if err := web.Export(web.ExportOptions{Dir: webDir, Out: out2, Server: strict.WS}); err != nil {
		t.Fatal(err)
	}
	files2 := httptest.NewServer(http.FileServer(http.Dir(out2)))
	t.Cleanup(files2.Close)
	carl, _ := openTab(t, alloc, "carl")
	carl.navigate(files2.URL + "/")
	carl.typeInto("textbox", "Nickname", "carl")
	carl.clear("textbox", "Room")
	carl.typeInto("textbox", "Room", room)
	carl.click("button", "Join")
	carl.waitText("status", "Connection", "Reconnecting")
	if strict.Connections() != 0 {
		t.Errorf("the server holds %d connections from a refused origin", strict.Connections())
	}
}

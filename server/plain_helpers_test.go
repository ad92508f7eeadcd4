package server_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// plainConn is a plain WebSocket client (no subprotocol), as a script or
// websocat would be: every text frame it receives goes to lines.
type plainConn struct {
	t     testing.TB
	ws    *websocket.Conn
	lines chan string
	done  chan struct{} // closed when the reader stops
	err   error         // why it stopped (read after done)
}

// dialPlain connects to url (ws://…) and closes the connection when the
// test ends.
func dialPlain(t testing.TB, url string, header http.Header) *plainConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	p := &plainConn{t: t, ws: ws, lines: make(chan string, 1024), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			typ, data, err := ws.Read(context.Background())
			if err != nil {
				p.err = err
				return
			}
			if typ == websocket.MessageText {
				p.lines <- string(data)
			} else {
				p.lines <- "binary:" + string(data)
			}
		}
	}()
	t.Cleanup(func() {
		ws.Close(websocket.StatusNormalClosure, "")
		<-p.done
	})
	return p
}

func (p *plainConn) send(typ websocket.MessageType, data string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.ws.Write(ctx, typ, []byte(data)); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

func (p *plainConn) say(text string) { p.t.Helper(); p.send(websocket.MessageText, text) }

// waitClose waits for the server to close the connection and returns the
// close code.
func (p *plainConn) waitClose() websocket.StatusCode {
	p.t.Helper()
	select {
	case <-p.done:
		return websocket.CloseStatus(p.err)
	case <-time.After(10 * time.Second):
		p.t.Fatal("the server did not close the connection")
		return -1
	}
}

// waitLine reads lines until one equals want (or, with a trailing "*",
// starts with the rest), failing after 10 s. It returns the lines read,
// the matching one last.
func waitLine(t testing.TB, lines <-chan string, want string) []string {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	var seen []string
	for {
		select {
		case l := <-lines:
			seen = append(seen, l)
			if l == want || (strings.HasSuffix(want, "*") && strings.HasPrefix(l, strings.TrimSuffix(want, "*"))) {
				return seen
			}
		case <-deadline.C:
			t.Fatalf("no line %q within 10s; seen %q", want, seen)
		}
	}
}

// nodeClient is testdata/text_client.js running under Node.js with the npm
// "ws" package: each frame it receives is a line on lines, and say sends
// one line.
type nodeClient struct {
	t     testing.TB
	stdin io.WriteCloser
	lines chan string
}

// nodeWS installs the npm package ws into a folder of the test and returns
// its node_modules.
func nodeWS(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", dir, "ws@8")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install ws (`make test` installs npm with apt-get): %v\n%s", err, out)
	}
	return filepath.Join(dir, "node_modules")
}

// startNodeClient runs the Node client against url until the test ends.
func startNodeClient(t testing.TB, nodeModules, url string) *nodeClient {
	t.Helper()
	script, err := filepath.Abs("testdata/text_client.js")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, url)
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodeModules)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	n := &nodeClient{t: t, stdin: stdin, lines: make(chan string, 1024)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			n.lines <- s.Text()
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		cmd.Wait()
	})
	waitLine(t, n.lines, "# open")
	return n
}

func (n *nodeClient) say(line string) {
	n.t.Helper()
	if _, err := io.WriteString(n.stdin, line+"\n"); err != nil {
		n.t.Fatalf("write to node: %v", err)
	}
}

// quit closes its stdin: the client closes the connection (1000) and exits.
func (n *nodeClient) quit() { n.stdin.Close() }

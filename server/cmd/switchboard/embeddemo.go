package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// embedDemo serves a stand-in for another website (`switchboard
// embed-demo`): one page that includes the chat widget of --server with
// its script tag, so the widget can be tried locally next to `make run`
// (started with SWITCHBOARD_EMBED_ORIGINS naming this page's origin).
func embedDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("embed-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8000", "address of the stand-in website")
	server := fs.String("server", "http://127.0.0.1:8080", "the Switchboard server whose widget the page includes")
	room := fs.String("room", "support", "the room the widget opens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--server %q: want the server's http(s) URL, like http://127.0.0.1:8080", *server)
	}
	if perr := protocol.ValidateRoom(*room); perr != nil {
		return fmt.Errorf("--room: %s", perr.Message)
	}
	page, err := embedDemoPage(u.String(), *room)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	origin := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "switchboard: a stand-in website with the chat widget of %s is at %s\n", u, origin)
	fmt.Fprintf(stdout, "switchboard: the server must allow it: SWITCHBOARD_EMBED_ORIGINS=%s make run\n", origin)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page)
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

var embedDemoTemplate = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Outdoor – a stand-in website</title>
<style>
body{margin:0;font:16px/1.6 system-ui,sans-serif;color:#1d2330;background:#f6f4ef}
header{padding:20px 32px;background:#23412f;color:#fff;font-weight:700;font-size:1.2rem}
main{max-width:720px;margin:0 auto;padding:32px}
code{background:#e9e5da;padding:1px 5px;border-radius:4px}
</style>
</head>
<body>
<header>Acme Outdoor</header>
<main>
<h1>Tents, stoves and good advice</h1>
<p>This page stands in for your website. The chat bubble at the bottom right is Switchboard's
widget, added with one line:</p>
<p><code>&lt;script src="{{.Script}}" data-room="{{.Room}}" async&gt;&lt;/script&gt;</code></p>
<p>If the bubble shows an error, the server does not allow this page's origin: the browser's
console names the setting to change.</p>
</main>
<script src="{{.Script}}" data-room="{{.Room}}" data-title="Ask us anything" async></script>
</body>
</html>
`))

// embedDemoPage is the stand-in website's page, including the widget of
// the server at base.
func embedDemoPage(base, room string) ([]byte, error) {
	var b bytes.Buffer
	err := embedDemoTemplate.Execute(&b, struct{ Script, Room string }{strings.TrimSuffix(base, "/") + "/embed.js", room})
	return b.Bytes(), err
}

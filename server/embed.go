package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/switchboard-rt/switchboard/server/gateway"
	"github.com/switchboard-rt/switchboard/server/web"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// checkEmbed validates Config.EmbedOrigins (exact origins, kept in their
// canonical form) and Config.BasePath (kept clean: "" or "/a/b").
func (n *Node) checkEmbed() error {
	origins := make([]string, 0, len(n.cfg.EmbedOrigins))
	for _, o := range n.cfg.EmbedOrigins {
		canon, err := gateway.Origin(strings.TrimSpace(o))
		if err != nil {
			return fmt.Errorf("server: embed origin %q: %w", o, err)
		}
		origins = append(origins, canon)
	}
	n.cfg.EmbedOrigins = origins
	n.cfg.BasePath = web.CleanBasePath(n.cfg.BasePath)
	if strings.ContainsAny(n.cfg.BasePath, "?#%* \t\n") {
		return fmt.Errorf("server: base path %q: use letters, digits, '-', '_', '.' and '/'", n.cfg.BasePath)
	}
	return nil
}

// embedPage serves the embed page (/embed/{room}, the compact room page that
// embed.js frames). It is the only page other sites may frame, and only the
// sites in Config.EmbedOrigins: its Content-Security-Policy names them in
// frame-ancestors and it sends no X-Frame-Options. Without embed origins it
// keeps every page's frame-ancestors 'none', so browsers refuse to frame it.
func (n *Node) embedPage(pages http.Handler) http.Handler {
	if len(n.cfg.EmbedOrigins) == 0 {
		return pages
	}
	csp := strings.Replace(contentSecurityPolicy, "frame-ancestors 'none'",
		"frame-ancestors "+strings.Join(n.cfg.EmbedOrigins, " "), 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Del("X-Frame-Options")
		pages.ServeHTTP(w, r)
	})
}

// embedCheck answers the loader's question (GET /embed.json?origin=O)
// whether the site at origin O may frame the chat: {"allowed": bool}. Any
// site may ask (it learns only about itself), so the answer is readable
// cross-origin; a refused frame cannot tell the page why, this can.
func (n *Node) embedCheck() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		canon, err := gateway.Origin(r.URL.Query().Get("origin"))
		allowed := err == nil && slices.Contains(n.cfg.EmbedOrigins, canon)
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Type", "application/json")
		if allowed {
			w.Write([]byte(`{"allowed":true}` + "\n"))
			return
		}
		w.Write([]byte(`{"allowed":false}` + "\n"))
	})
}

// roomSnapshot gives the web app a public room's recent stored events to
// prerender its page with (web.Snapshots). A private room, or a store that
// does not answer in time, gets none: the page is served without them.
func (n *Node) roomSnapshot(ctx context.Context, room string, limit int) (protocol.Event, bool) {
	ev, public, perr := n.hub.PublicHistory(ctx, room, limit)
	if perr != nil || !public {
		return protocol.Event{}, false
	}
	return ev, true
}

package gateway

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Origin returns the canonical form of an origin, scheme://host[:port]
// with the scheme's default port left out, or an error if s is not one.
func Origin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("an origin is scheme://host[:port], with scheme http or https")
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return u.Scheme + "://" + host, nil
}

// originAllowed reports whether a browser on the request's Origin may open
// a connection: no Origin (not a browser), the server's own origin, or one
// of the allowed origins, compared exactly (scheme, host and port). "null"
// and anything malformed are refused.
func (g *Gateway) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	canon, err := Origin(o)
	if err != nil {
		return false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if own, err := Origin(scheme + "://" + r.Host); err == nil && own == canon {
		return true
	}
	_, ok := g.origins[canon]
	return ok
}

// admission holds the per-address and per-user counters the gateway checks
// before and after a handshake. Safe for concurrent use.
type admission struct {
	opts *Options

	mu         sync.Mutex
	total      int
	perIP      map[string]int
	perUser    map[string]int
	handshakes map[string]*rate.Limiter // per IP; swept when idle
	lastSweep  time.Time
}

func newAdmission(o *Options) *admission {
	return &admission{
		opts: o, perIP: make(map[string]int), perUser: make(map[string]int),
		handshakes: make(map[string]*rate.Limiter),
	}
}

// handshake reports whether ip may attempt one more handshake now.
func (a *admission) handshake(ip string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if now.Sub(a.lastSweep) > time.Minute {
		for k, l := range a.handshakes {
			if l.TokensAt(now) >= float64(l.Burst()) {
				delete(a.handshakes, k) // full again: forget it
			}
		}
		a.lastSweep = now
	}
	l := a.handshakes[ip]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(a.opts.HandshakesPerSecond), 2*int(a.opts.HandshakesPerSecond))
		a.handshakes[ip] = l
	}
	return l.AllowN(now, 1)
}

// open counts a connection from ip; it returns why it may not stay, or "".
func (a *admission) open(ip string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.total >= a.opts.MaxConns:
		return "the server is full"
	case a.perIP[ip] >= a.opts.MaxConnsPerIP:
		return "too many connections from your address"
	}
	a.total++
	a.perIP[ip]++
	return ""
}

func (a *admission) close(ip string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.total--
	if a.perIP[ip]--; a.perIP[ip] <= 0 {
		delete(a.perIP, ip)
	}
}

// identify counts a connection of user; false means the user has too many.
func (a *admission) identify(user string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.perUser[user] >= a.opts.MaxConnsPerUser {
		return false
	}
	a.perUser[user]++
	return true
}

func (a *admission) forget(user string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.perUser[user]--; a.perUser[user] <= 0 {
		delete(a.perUser, user)
	}
}

// remoteIP is the address a request came from (the proxy's, behind one).
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Package clientaddr finds the address of the client behind trusted
// reverse proxies, so that per-address limits, logs and metrics see the
// client and not the load balancer.
//
// Only a request that comes from a trusted proxy (its RemoteAddr in one of
// the configured prefixes) has its Forwarded (RFC 7239) or, without one,
// X-Forwarded-For header read. The header lists the hops, client first:
// the client is the rightmost address that is not itself a trusted proxy,
// since every address right of it was written by a proxy the server
// trusts and everything left of it by someone who could write anything.
// A malformed entry there ends the walk: the request keeps the proxy's
// address. With no trusted proxies (the default) nothing is read.
package clientaddr

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver rewrites requests' RemoteAddr to the client behind trusted
// proxies.
type Resolver struct {
	trusted []netip.Prefix
}

// New parses the trusted proxies: CIDR prefixes ("10.0.0.0/8") or single
// addresses ("192.0.2.7").
func New(proxies []string) (*Resolver, error) {
	r := &Resolver{}
	for _, p := range proxies {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q: not an address or a CIDR prefix", p)
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		r.trusted = append(r.trusted, prefix.Masked())
	}
	return r, nil
}

// Handler passes each request to next with RemoteAddr set to the client's
// address (port 0) when it came through trusted proxies.
func (r *Resolver) Handler(next http.Handler) http.Handler {
	if len(r.trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if client, ok := r.Client(req); ok {
			req2 := new(http.Request)
			*req2 = *req
			req2.RemoteAddr = netip.AddrPortFrom(client, 0).String()
			req = req2
		}
		next.ServeHTTP(w, req)
	})
}

// Client returns the client's address when req came from a trusted proxy
// that named one.
func (r *Resolver) Client(req *http.Request) (netip.Addr, bool) {
	peer, ok := parseHost(req.RemoteAddr)
	if !ok || !r.isTrusted(peer) {
		return netip.Addr{}, false
	}
	hops, ok := forwarded(req.Header)
	if !ok {
		hops, ok = xForwardedFor(req.Header)
	}
	if !ok {
		return netip.Addr{}, false
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		addr, ok := parseHost(hops[i])
		if !ok {
			break
		}
		client = addr
		if !r.isTrusted(addr) {
			break
		}
	}
	return client, client != peer
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwarded returns the for= values of the Forwarded headers, in order.
func forwarded(h http.Header) ([]string, bool) {
	vals := h.Values("Forwarded")
	if len(vals) == 0 {
		return nil, false
	}
	var hops []string
	for _, v := range vals {
		for _, elem := range strings.Split(v, ",") {
			hop := ""
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					hop = strings.Trim(val, `"`)
				}
			}
			hops = append(hops, hop)
		}
	}
	return hops, true
}

// xForwardedFor returns the addresses of the X-Forwarded-For headers, in
// order.
func xForwardedFor(h http.Header) ([]string, bool) {
	vals := h.Values("X-Forwarded-For")
	if len(vals) == 0 {
		return nil, false
	}
	var hops []string
	for _, v := range vals {
		for _, hop := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(hop))
		}
	}
	return hops, true
}

// parseHost parses an address with or without a port ("192.0.2.1",
// "192.0.2.1:80", "[2001:db8::1]:80", "2001:db8::1"); zones are refused.
func parseHost(s string) (netip.Addr, bool) {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

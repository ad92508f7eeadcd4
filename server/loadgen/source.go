package loadgen

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
)

// defaultPerSource is how many connections dial from one loopback source
// address by default. A source address has about 28,000 ephemeral ports
// (Linux's 32768–60999) towards one server port, and a run's earlier
// connections may still hold some in TIME_WAIT; 10,000 leaves room for both.
const defaultPerSource = 10000

// sourceAddrs hands out HTTP clients that dial from 127.0.0.2, 127.0.0.3, …
// (Linux routes all of 127.0.0.0/8 to lo), perAddr connections each, so a
// load generator can open more connections to one server port than one
// source address has ephemeral ports. It makes one client per address, on
// first use. Safe for concurrent use.
type sourceAddrs struct {
	perAddr int

	mu      sync.Mutex
	clients []*http.Client // by address index, nil until first used
}

// firstSource and lastSource bound the host part of the source addresses
// (127.0.0.1 is left to the other workloads).
const firstSource, lastSource = 2, 254

// newSourceAddrs returns the source addresses for connections to target
// (a ws:// URL), perAddr connections each (<= 0: defaultPerSource), or nil
// if target is not on an IPv4 loopback address: another host cannot be
// reached from 127.0.0.k.
func newSourceAddrs(target string, perAddr int) *sourceAddrs {
	u, err := url.Parse(target)
	if err != nil {
		return nil
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return nil
	}
	if perAddr <= 0 {
		perAddr = defaultPerSource
	}
	return &sourceAddrs{perAddr: perAddr}
}

// client returns the HTTP client for connection i (0-based), or an error if
// i is past the last address. A nil s returns nil: the default client.
func (s *sourceAddrs) client(i int) (*http.Client, error) {
	if s == nil {
		return nil, nil
	}
	k := i / s.perAddr
	if k > lastSource-firstSource {
		return nil, fmt.Errorf("connection %d: out of loopback source addresses (%d each)", i, s.perAddr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.clients) <= k {
		s.clients = append(s.clients, nil)
	}
	if s.clients[k] == nil {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: sourceIP(k)}}
		// No proxy and no timeout: the dial's context bounds the handshake.
		s.clients[k] = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	}
	return s.clients[k], nil
}

// span describes the addresses n (> 0) connections use, e.g.
// "127.0.0.2–127.0.0.6".
func (s *sourceAddrs) span(n int) string {
	last := min((n-1)/s.perAddr, lastSource-firstSource)
	if last == 0 {
		return sourceIP(0).String()
	}
	return sourceIP(0).String() + "–" + sourceIP(last).String()
}

func sourceIP(k int) net.IP { return net.IPv4(127, 0, 0, byte(firstSource+k)) }

package testnode

import (
	"net"
	"strings"
	"sync"
	"testing"
)

// Proxy forwards TCP connections on a loopback port to a node, and can cut
// every connection it carries at once, as a flaky network would, or freeze
// them: keep them open but stop carrying bytes, as a dead peer or a silent
// network would. Clients that reconnect through it get through again (once
// thawed).
type Proxy struct {
	// WS is the node's protocol endpoint, reached through the proxy.
	WS string

	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	cuts   int
	thawed chan struct{} // nil unless frozen; closed by Thaw
	cut    chan struct{} // closed (and replaced) by every Cut
}

// NewProxy proxies to the node whose protocol endpoint is ws (ws://host:port/ws)
// and stops when the test ends.
func NewProxy(t testing.TB, ws string) *Proxy {
	t.Helper()
	rest := strings.TrimPrefix(ws, "ws://")
	host, path, _ := strings.Cut(rest, "/")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: listen: %v", err)
	}
	p := &Proxy{
		WS: "ws://" + ln.Addr().String() + "/" + path, ln: ln, target: host,
		conns: make(map[net.Conn]struct{}), cut: make(chan struct{}),
	}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		ln.Close()
		p.Thaw()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

func (p *Proxy) accept() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns[in], p.conns[out] = struct{}{}, struct{}{}
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			p.copy(dst, src)
			dst.Close()
			src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		p.wg.Go(func() { pipe(out, in) })
		p.wg.Go(func() { pipe(in, out) })
	}
}

// copy carries src's bytes to dst until either ends or a Cut; while the
// proxy is frozen, what it read waits (and src's further bytes wait in the
// kernel) until Thaw.
func (p *Proxy) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			thawed, cut := p.thawed, p.cut
			p.mu.Unlock()
			if thawed != nil {
				select {
				case <-thawed:
				case <-cut:
					return
				}
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Cut closes every connection through the proxy, without a close frame.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.conns) > 0 {
		p.cuts++
	}
	for c := range p.conns {
		c.Close()
	}
	close(p.cut)
	p.cut = make(chan struct{})
}

// Cuts reports how many times Cut closed at least one connection.
func (p *Proxy) Cuts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

// Freeze stops carrying bytes in either direction, on the connections open
// now and on those made until Thaw, but closes none: each side sees a peer
// that went silent.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thawed == nil {
		p.thawed = make(chan struct{})
	}
}

// Thaw ends a Freeze: what waited is carried on, in order.
func (p *Proxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thawed != nil {
		close(p.thawed)
		p.thawed = nil
	}
}

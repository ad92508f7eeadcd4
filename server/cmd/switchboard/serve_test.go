package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/shared/client"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// selfSigned writes a fresh self-signed certificate for 127.0.0.1 and its
// key into dir, and returns their paths and a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "switchboard test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// `switchboard serve --tls-cert --tls-key` serves WSS: two clients chat
// over TLS with a generated self-signed certificate, and HTTPS responses
// carry HSTS. Settings also come from the environment.
func TestServeWSS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	env := map[string]string{"SWITCHBOARD_TLS_KEY": keyFile, "SWITCHBOARD_WEB_DIR": "none"}
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--tls-cert", certFile},
			func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no address from serve: %v", err)
	}
	go io.Copy(io.Discard, pr)
	base := strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, "Switchboard is serving at ")), "/")
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("serve printed %q, want an https address", line)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("HTTPS response without Strict-Transport-Security")
	}
	wss := "wss://" + strings.TrimPrefix(base, "https://") + "/ws"
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	if _, err := client.Dial(dctx, wss, client.Options{Name: "untrusting"}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a client that does not trust the certificate: %v, want a certificate error", err)
	}
	ann, err := client.Dial(dctx, wss, client.Options{Name: "ann", HTTPClient: hc})
	if err != nil {
		t.Fatalf("dial %s: %v", wss, err)
	}
	defer ann.Close()
	bob, err := client.Dial(dctx, wss, client.Options{Name: "bob", HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	for _, c := range []*client.Conn{ann, bob} {
		if _, err := c.Join(dctx, "tls"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ann.Send(dctx, "tls", "over TLS"); err != nil {
		t.Fatal(err)
	}
	for ev := range bob.Events() {
		if ev.Type == protocol.EvMessage && ev.Text == "over TLS" {
			return
		}
	}
	t.Fatalf("bob's connection ended before the message: %v", bob.Err())
}

// The HTTP server bounds request headers: a header block over
// --max-header-bytes gets 431, and a client that never finishes its headers
// is dropped after --read-header-timeout.
func TestServeHeaderLimits(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--web-dir", "none",
			"--read-header-timeout", "300ms", "--max-header-bytes", "4096"}, func(string) string { return "" }, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	base := strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, "Switchboard is serving at ")), "/")

	req, _ := http.NewRequest("GET", base+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("p", 8<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("oversized headers: HTTP %d, want 431", resp.StatusCode)
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\n") // and never the blank line
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("the half-sent request was not dropped: %v", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("a half-sent request stayed open %v", waited)
	}
}

// serve says at start where the admin dashboard is, and without an admin
// token how to start with one; it never prints the token.
func TestServeTellsHowToOpenTheDashboard(t *testing.T) {
	web := t.TempDir()
	for name, data := range map[string]string{"app.wasm": "\x00asm" + strings.Repeat("x", 100), "app.css": "body{}"} {
		if err := os.WriteFile(filepath.Join(web, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const token = "a long enough admin token"
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "needs a token: start with one set"},
		{map[string]string{"SWITCHBOARD_ADMIN_TOKEN": token}, "(sign in with the admin token)"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--web-dir", web},
				func(k string) string { return c.env[k] }, pw, io.Discard)
			pw.Close()
		}()
		br := bufio.NewReader(pr)
		var out string
		for !strings.Contains(out, "Admin dashboard:") {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("serve's output ended: %q (%v)", out, err)
			}
			out += line
		}
		go io.Copy(io.Discard, br)
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if !strings.Contains(out, "/admin") || !strings.Contains(out, c.want) || strings.Contains(out, token) {
			t.Errorf("output %q: want the dashboard's address and %q, never the token", out, c.want)
		}
	}
}

package clientaddr

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClient(t *testing.T) {
	r, err := New([]string{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, remote string
		header       map[string][]string
		want         string
	}{
		{"untrusted peer: header ignored", "203.0.113.9:4000", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "203.0.113.9:4000"},
		{"trusted proxy, one hop", "10.1.2.3:4000", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1:0"},
		{"spoofed left part ignored", "10.1.2.3:4000", map[string][]string{"X-Forwarded-For": {"6.6.6.6, 198.51.100.1"}}, "198.51.100.1:0"},
		{"chain of trusted proxies", "10.1.2.3:4000", map[string][]string{"X-Forwarded-For": {"198.51.100.1, 10.9.9.9", "192.0.2.7"}}, "198.51.100.1:0"},
		{"malformed hop keeps the proxy", "10.1.2.3:4000", map[string][]string{"X-Forwarded-For": {"198.51.100.1, not-an-ip"}}, "10.1.2.3:4000"},
		{"Forwarded wins", "10.1.2.3:4000", map[string][]string{"Forwarded": {`for=198.51.100.2;proto=https, for="[2001:db8::1]:443"`}, "X-Forwarded-For": {"6.6.6.6"}}, "198.51.100.2:0"},
		{"IPv6 client", "[2001:db8::9]:4000", map[string][]string{"Forwarded": {`for="[2001:db9::5]:1234"`}}, "[2001:db9::5]:0"},
		{"trusted single address", "192.0.2.7:80", map[string][]string{"X-Forwarded-For": {"198.51.100.3"}}, "198.51.100.3:0"},
		{"no header", "10.1.2.3:4000", nil, "10.1.2.3:4000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tc.remote
			for k, vs := range tc.header {
				for _, v := range vs {
					req.Header.Add(k, v)
				}
			}
			var got string
			r.Handler(http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) { got = req.RemoteAddr })).ServeHTTP(httptest.NewRecorder(), req)
			if got != tc.want {
				t.Fatalf("RemoteAddr = %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := New([]string{"10.0.0.0/33"}); err == nil {
		t.Error("a bad prefix was accepted")
	}
}

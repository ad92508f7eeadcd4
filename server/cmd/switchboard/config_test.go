package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-rt/switchboard/server"
)

// Each bad configuration is refused before anything starts, with a message
// that names the setting and says what is wrong; several problems are all
// listed at once.
func TestBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	typo := write("typo.yaml", "adr: 127.0.0.1:9000\nmax_conns: 5\n")
	badYAML := write("bad.yaml", "addr: [unclosed\n")
	badTOML := write("bad.toml", "addr = \n")
	nested := write("nested.toml", "[node]\nname = \"x\"\n")
	badDuration := write("dur.yaml", "history-age: 3600\n")
	self := write("self.yaml", "config: other.yaml\n")
	noValue := write("novalue.yaml", "node:\n")
	ini := write("settings.ini", "addr=1\n")
	badHooks := write("hooks.yaml", "webhooks:\n"+
		"  - url: http://127.0.0.1:9/a\n    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n    retries: 3\n    timeout: soon\n    events: [message.exploded]\n"+
		"  - url: http://127.0.0.1:9/a\n    secret: hunter2\n"+
		"  - url: ftp://example.com/x\n")
	hooksNotList := write("hooks.toml", "webhooks = \"http://x\"\n")
	env := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	base := []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--web-dir", "none"}
	for _, row := range []struct {
		what string
		args []string
		env  map[string]string
		want []string // every one must be in the error
	}{
		{"--sync unknown", []string{"--sync", "sometimes"}, nil, []string{`--sync: must be interval or always, not "sometimes"`}},
		{"replicas over 5", []string{"--replicas", "7"}, nil, []string{"--replicas: must be 1 to 5, not 7"}},
		{"negative mailbox from the environment", nil, env("SWITCHBOARD_MAILBOX_SIZE", "-1"), []string{"--mailbox-size: must not be negative (-1)"}},
		{"not a number in the environment", nil, env("SWITCHBOARD_MAX_CONNS", "lots"), []string{`SWITCHBOARD_MAX_CONNS: invalid value "lots" (a whole number)`}},
		{"message length over the protocol's", []string{"--max-message-chars", "5000"}, nil, []string{"--max-message-chars: must be 1 to 4000, not 5000"}},
		{"negative message length from the environment", nil, env("SWITCHBOARD_MAX_MESSAGE_CHARS", "-1"), []string{"--max-message-chars: must be 1 to 4000, not -1"}},
		{"frame limit too small", []string{"--max-frame-bytes", "100"}, nil, []string{"--max-frame-bytes: must be 1024 to 16384, not 100"}},
		{"malformed origin", []string{"--allowed-origins", "example.com"}, nil, []string{`--allowed-origins: "example.com": an origin is scheme://host[:port]`}},
		{"short JWT secret, hidden", nil, env("SWITCHBOARD_JWT_SECRET", "hunter2", "SWITCHBOARD_JWT_ISSUER", "site"), []string{"--jwt-secret: needs at least 32 bytes, has 7"}},
		{"JWT secret without issuer", nil, env("SWITCHBOARD_JWT_SECRET", strings.Repeat("s", 40)), []string{"--jwt-issuer: is required when tokens are accepted"}},
		{"short admin token", []string{"--admin-token", "abc"}, nil, []string{"--admin-token: needs at least 16 bytes, has 3"}},
		{"admin address is the public one", []string{"--addr", "127.0.0.1:8080", "--admin-addr", "127.0.0.1:8080"}, nil, []string{"--admin-addr: must differ from --addr"}},
		{"bad listen address", []string{"--addr", "localhost"}, nil, []string{`--addr: "localhost" is not host:port`}},
		{"TLS half configured", []string{"--tls-cert", filepath.Join(dir, "missing.pem")}, nil, []string{"--tls-cert and --tls-key go together", "--tls-cert: stat"}},
		{"dedup longer than history", []string{"--dedup-window", "2h", "--history-age", "1h"}, nil, []string{"--dedup-window: (2h0m0s) must not be longer than HistoryAge (1h0m0s)"}},
		{"bad private room pattern", []string{"--private-rooms", "team-[a"}, nil, []string{`--private-rooms: "team-[a" is not a room pattern`}},
		{"bad NATS URL", []string{"--nats-url", "http://nats:4222"}, nil, []string{`--nats-url: "http://nats:4222": the scheme must be nats, tls, ws or wss`}},
		{"NATS listen with an external NATS", []string{"--nats-url", "nats://x:4222", "--nats-listen", "127.0.0.1:4222"}, nil, []string{"--nats-listen: only applies to the embedded NATS server"}},
		{"log level and format", []string{"--log-level", "loud", "--log-format", "xml"}, nil, []string{`--log-level: must be debug, info, warn or error, not "loud"`, `--log-format: must be text or json, not "xml"`}},
		{"web folder missing", []string{"--web-dir", filepath.Join(dir, "nope")}, nil, []string{"--web-dir:", "is not a folder"}},
		{"node name with a space", []string{"--node", "my node"}, nil, []string{`--node: "my node" is not a node name`}},
		{"config file: unknown keys with a suggestion", []string{"--config", typo}, nil, []string{`typo.yaml: unknown setting "adr"`, `unknown setting "max_conns" (did you mean "max-conns"?)`}},
		{"config file: not YAML", []string{"--config", badYAML}, nil, []string{"bad.yaml: not valid YAML"}},
		{"config file: not TOML", []string{"--config", badTOML}, nil, []string{"bad.toml: not valid TOML"}},
		{"config file: a table instead of a value", []string{"--config", nested}, nil, []string{"nested.toml: node: not a single value"}},
		{"config file: a number for a duration", []string{"--config", badDuration}, nil, []string{`dur.yaml: history-age: invalid value "3600" (a duration such as 90s, 15m or 168h)`}},
		{"config file naming another", []string{"--config", self}, nil, []string{"self.yaml: config: a config file cannot name another one"}},
		{"config file: a key without a value", []string{"--config", noValue}, nil, []string{"novalue.yaml: node: not a single value: the setting has no value"}},
		{"config file: unknown format", nil, env("SWITCHBOARD_CONFIG", ini), []string{"settings.ini: the name must end in .yaml, .yml or .toml"}},
		{"config file missing", []string{"--config", filepath.Join(dir, "missing.yaml")}, nil, []string{"config file: open", "missing.yaml: no such file"}},
		{"config file: bad webhooks", []string{"--config", badHooks}, nil, []string{
			`hooks.yaml: webhooks[0]: unknown key "retries"`, `hooks.yaml: webhooks[0]: timeout: "soon" is not a valid value`,
			"webhooks[1]: webhook secret: want the Standard Webhooks form", "webhooks[1]: a second webhook for the same URL",
			`webhooks[0]: webhook event type "message.exploded"`,
			"hooks.yaml: webhooks[2]: url and secret are required", `webhooks[2]: webhook URL "ftp://example.com/x": want an absolute http:// or https:// URL`,
		}},
		{"config file: webhooks not a list", []string{"--config", hooksNotList}, nil, []string{"hooks.toml: webhooks: want a list of webhooks"}},
		{"every problem at once", []string{"--replicas", "9", "--sync", "x", "--max-conns", "-3"}, nil, []string{"invalid configuration (3 problems)", "--replicas", "--sync", "--max-conns"}},
	} {
		t.Run(row.what, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			args := append(append([]string{}, base...), row.args...)
			start := time.Now()
			err := run(ctx, args, func(k string) string { return row.env[k] }, io.Discard, io.Discard)
			if err == nil {
				t.Fatal("the configuration was accepted")
			}
			for _, w := range row.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Error("the error repeats a secret")
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("refusing took %v: something started first", time.Since(start))
			}
		})
	}
}

// The command line beats the environment, which beats the config file,
// which beats the defaults, for YAML and TOML alike; config print shows
// where each value came from and masks secrets.
func TestConfigPrecedenceAndPrint(t *testing.T) {
	dir := t.TempDir()
	secret := strings.Repeat("k", 40)
	files := map[string]string{
		"sb.yaml": "node: from-file\nreplicas: 2\nhistory-age: 24h\nmax-conns: 500\njwt-secret: " + secret + "\njwt-issuer: site\n" +
			"allowed-origins:\n  - https://a.example\n  - https://b.example\nrotate-session-key: true\nmessages-per-second: 2.5\n",
		"sb.toml": "node = \"from-file\"\nreplicas = 2\nhistory-age = \"24h\"\nmax-conns = 500\njwt-secret = \"" + secret + "\"\njwt-issuer = \"site\"\n" +
			"allowed-origins = [\"https://a.example\", \"https://b.example\"]\nrotate-session-key = true\nmessages-per-second = 2.5\n",
	}
	for name, content := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			os.WriteFile(path, []byte(content), 0o600)
			env := map[string]string{"SWITCHBOARD_REPLICAS": "3", "SWITCHBOARD_MAX_CONNS": "600", "SWITCHBOARD_NATS_URL": "nats://user:pw@nats.example:4222"}
			var out strings.Builder
			err := run(context.Background(), []string{"config", "print", "--config", path, "--max-conns", "700", "--web-dir", "none"},
				func(k string) string { return env[k] }, &out, io.Discard)
			if err != nil {
				t.Fatalf("config print: %v\n%s", err, out.String())
			}
			got := map[string]string{}
			sc := bufio.NewScanner(strings.NewReader(out.String()))
			for sc.Scan() {
				if k, v, ok := strings.Cut(sc.Text(), ": "); ok && !strings.HasPrefix(k, "#") {
					got[k] = v
				}
			}
			for key, want := range map[string]string{
				"node":                "from-file # file " + path,
				"replicas":            `"3" # env SWITCHBOARD_REPLICAS`,
				"max-conns":           `"700" # flag`,
				"history-age":         "24h0m0s # file " + path,
				"allowed-origins":     "https://a.example,https://b.example # file " + path,
				"rotate-session-key":  `"true" # file ` + path,
				"messages-per-second": `"2.5" # file ` + path,
				"jwt-secret":          `'********' # file ` + path,
				"nats-url":            "nats://user:xxxxx@nats.example:4222 # env SWITCHBOARD_NATS_URL",
				"history-size":        `"1000" # default`,
			} {
				if got[key] != want {
					t.Errorf("%s: %s, want %s", key, got[key], want)
				}
			}
			if strings.Contains(out.String(), secret) || strings.Contains(out.String(), ":pw@") {
				t.Error("config print shows a secret")
			}
			if _, ok := got["config"]; ok {
				t.Error("config print lists the config flag as a setting (the output would not load as a config file)")
			}
		})
	}
}

// With --admin-addr, /metrics and the profiler are served on the private
// listener only; the public one has neither. Logs are JSON with
// --log-format json.
func TestAdminListener(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	lr, lw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--data", dir,
			"--web-dir", "none", "--log-format", "json"}, func(string) string { return "" }, pw, lw)
		pw.Close()
		lw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	adminAddr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(lr)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				t.Errorf("a log line is not JSON: %q", sc.Text())
				continue
			}
			if line["msg"] == "admin listener" {
				adminAddr <- line["addr"].(string)
			}
		}
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no address from serve: %v", err)
	}
	go io.Copy(io.Discard, pr)
	public := strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, "Switchboard is serving at ")), "/")
	var private string
	select {
	case a := <-adminAddr:
		private = "http://" + a
	case <-time.After(10 * time.Second):
		t.Fatal("no admin listener in the log")
	}
	status := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for url, want := range map[string]int{
		private + "/metrics":             200,
		private + "/debug/pprof/":        200,
		private + "/readyz":              200,
		public + "/metrics":              404,
		public + "/debug/pprof/":         404,
		public + "/healthz":              200,
		public + "/admin/api/stats":      401,
		private + "/debug/pprof/cmdline": 200,
	} {
		if got := status(url); got != want {
			t.Errorf("GET %s = %d, want %d", url, got, want)
		}
	}
}

// The config file's webhooks list, YAML and TOML alike, adds webhooks of
// their own besides --webhook-url's, each with its filters and budget.
func TestConfigFileWebhooks(t *testing.T) {
	dir := t.TempDir()
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	files := map[string]string{
		"sb.yaml": "webhooks:\n" +
			"  - name: orders\n    url: https://orders.example/hook\n    secret: " + secret + "\n" +
			"    events: [message.created]\n    rooms: [\"orders-*\", support]\n    max-attempts: 4\n    min-backoff: 2s\n    max-backoff: 1m\n    timeout: 3s\n" +
			"  - url: https://audit.example/in\n    secret: " + secret + "\n",
		"sb.toml": "[[webhooks]]\nname = \"orders\"\nurl = \"https://orders.example/hook\"\nsecret = \"" + secret + "\"\n" +
			"events = [\"message.created\"]\nrooms = [\"orders-*\", \"support\"]\nmax-attempts = 4\nmin-backoff = \"2s\"\nmax-backoff = \"1m\"\ntimeout = \"3s\"\n" +
			"[[webhooks]]\nurl = \"https://audit.example/in\"\nsecret = \"" + secret + "\"\n",
	}
	for name, content := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			os.WriteFile(path, []byte(content), 0o600)
			fs, f := newServeFlags()
			err := parse(fs, []string{"--config", path, "--web-dir", "none", "--webhook-url", "https://flag.example/x", "--webhook-secret", secret}, func(string) string { return "" }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := f.resolve(io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			want := []server.WebhookConfig{
				{Name: "orders", URL: "https://orders.example/hook", Secret: secret, Events: []string{"message.created"}, Rooms: []string{"orders-*", "support"},
					MaxAttempts: 4, MinBackoff: 2 * time.Second, MaxBackoff: time.Minute, Timeout: 3 * time.Second},
				{URL: "https://audit.example/in", Secret: secret},
			}
			if !reflect.DeepEqual(cfg.Webhooks, want) {
				t.Fatalf("webhooks:\n got %+v\nwant %+v", cfg.Webhooks, want)
			}
			if cfg.WebhookURL != "https://flag.example/x" {
				t.Fatalf("the flag's webhook: %q", cfg.WebhookURL)
			}

			// config print shows the list, secrets masked, as YAML that
			// --config reads back to the same webhooks.
			var out strings.Builder
			if err := run(context.Background(), []string{"config", "print", "--config", path, "--web-dir", "none"},
				func(string) string { return "" }, &out, io.Discard); err != nil {
				t.Fatalf("config print: %v\n%s", err, out.String())
			}
			printed := out.String()
			if strings.Contains(printed, secret) {
				t.Fatalf("config print shows a webhook's secret:\n%s", printed)
			}
			if !strings.Contains(printed, "webhooks: # file "+path) {
				t.Fatalf("config print does not show the webhooks list:\n%s", printed)
			}
			_, list, _ := strings.Cut(printed, "webhooks:")
			back := filepath.Join(dir, "printed-"+name+".yaml")
			os.WriteFile(back, []byte("webhooks:"+strings.ReplaceAll(list, "'********'", secret)), 0o600)
			got, problems := readConfigWebhooks(back)
			if len(problems) > 0 || !reflect.DeepEqual(got, want) {
				t.Fatalf("the printed list reads back as %+v (problems %q), want %+v; printed:\n%s", got, problems, want, printed)
			}
		})
	}
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-rt/switchboard/server"
	"go.yaml.in/yaml/v3"
)

// configCmd is `switchboard config print [serve flags]`: it reads the
// settings exactly as serve would (flags, environment, config file,
// defaults), prints them as YAML that --config accepts, each with where it
// came from and secrets masked, then checks them like serve does.
func configCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "print" {
		return errors.New("usage: switchboard config print [serve flags]")
	}
	fs, f := newServeFlags()
	from, err := load(fs, args[1:], getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if from == nil {
		return err
	}
	parseErr := err
	fmt.Fprintln(stdout, "# switchboard serve: effective settings (flag > environment > config file > default)")
	if f.config != "" {
		fmt.Fprintf(stdout, "# config file: %s (%s)\n", f.config, from[configFlag])
	}
	fs.VisitAll(func(fl *flag.Flag) {
		if fl.Name == configFlag {
			return // not a setting a config file may hold
		}
		v := fl.Value.String()
		if isSecret(fl.Name) && v != "" {
			v = "********"
		} else {
			v = redactURLs(v)
		}
		src := from[fl.Name]
		switch src {
		case fromEnv:
			src += " " + EnvName(fl.Name)
		case fromFile:
			src += " " + f.config
		}
		fmt.Fprintf(stdout, "%s: %s # %s\n", fl.Name, yamlString(v), src)
	})
	if f.config != "" {
		hooks, _ := readConfigWebhooks(f.config) // settle reports the problems
		printWebhooks(stdout, f.config, hooks)
	}
	_, err = f.settle(parseErr, io.Discard)
	return err
}

// printWebhooks prints the config file's webhooks list as config print
// does the flags: YAML that --config accepts, secrets masked, the keys a
// webhook leaves unset (their defaults apply) left out.
func printWebhooks(w io.Writer, path string, hooks []server.WebhookConfig) {
	if len(hooks) == 0 {
		return
	}
	fmt.Fprintf(w, "%s: # file %s\n", webhooksKey, path)
	for _, h := range hooks {
		first := true
		key := func(k, v string) {
			lead := "    "
			if first {
				lead, first = "  - ", false
			}
			if v == "" {
				fmt.Fprintf(w, "%s%s:\n", lead, k)
				return
			}
			fmt.Fprintf(w, "%s%s: %s\n", lead, k, v)
		}
		list := func(k string, vs []string) {
			if len(vs) == 0 {
				return
			}
			key(k, "")
			for _, v := range vs {
				fmt.Fprintf(w, "      - %s\n", yamlString(v))
			}
		}
		if h.Name != "" {
			key("name", yamlString(h.Name))
		}
		key("url", yamlString(redactURLs(h.URL)))
		key("secret", yamlString("********"))
		list("events", h.Events)
		list("rooms", h.Rooms)
		if h.MaxAttempts != 0 {
			key("max-attempts", strconv.Itoa(h.MaxAttempts))
		}
		for _, d := range []struct {
			k string
			v time.Duration
		}{{"min-backoff", h.MinBackoff}, {"max-backoff", h.MaxBackoff}, {"timeout", h.Timeout}} {
			if d.v != 0 {
				key(d.k, d.v.String())
			}
		}
	}
}

// yamlString quotes s as a YAML string.
func yamlString(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(out), "\n")
}

// redactURLs hides passwords in a comma-separated list of URLs.
func redactURLs(v string) string {
	if !strings.Contains(v, "@") {
		return v
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				parts[i] = u.Redacted()
			} else {
				u.User = url.User("xxxxx") // a token as user name
				parts[i] = u.String()
			}
		}
	}
	return strings.Join(parts, ",")
}

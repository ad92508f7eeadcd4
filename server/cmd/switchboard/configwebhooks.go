package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-rt/switchboard/server"
)

// webhooksKey is the config file's list of webhooks, besides the one of
// --webhook-url: a list of tables whose keys are webhookKeys.
const webhooksKey = "webhooks"

// webhookKeys are the keys of one webhook in the config file.
var webhookKeys = []string{"name", "url", "secret", "events", "rooms", "max-attempts", "min-backoff", "max-backoff", "timeout"}

// readConfigWebhooks reads the webhooks list of the config file at path
// (none if it has no such key), reporting every problem at once.
func readConfigWebhooks(path string) ([]server.WebhookConfig, []string) {
	raw, problem := decodeConfigFile(path)
	if problem != "" {
		return nil, nil // readConfigFile reports it
	}
	v, ok := raw[webhooksKey]
	if !ok {
		return nil, nil
	}
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case []map[string]any: // TOML's array of tables
		for _, m := range x {
			list = append(list, m)
		}
	default:
		return nil, []string{fmt.Sprintf("%s: %s: want a list of webhooks, each with keys %s", path, webhooksKey, strings.Join(webhookKeys, ", "))}
	}
	var out []server.WebhookConfig
	var problems []string
	for i, e := range list {
		where := fmt.Sprintf("%s: %s[%d]", path, webhooksKey, i)
		m, ok := e.(map[string]any)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: want keys %s", where, strings.Join(webhookKeys, ", ")))
			continue
		}
		w, ps := webhookFromFile(where, m)
		out, problems = append(out, w), append(problems, ps...)
	}
	return out, problems
}

// webhookFromFile reads one webhook of the config file.
func webhookFromFile(where string, m map[string]any) (server.WebhookConfig, []string) {
	var w server.WebhookConfig
	var problems []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(webhookKeys, k) {
			problems = append(problems, fmt.Sprintf("%s: unknown key %q (want %s)", where, k, strings.Join(webhookKeys, ", ")))
			continue
		}
		s, err := scalar(m[k])
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s: %v", where, k, err))
			continue
		}
		var perr error
		switch k {
		case "name":
			w.Name = s
		case "url":
			w.URL = s
		case "secret":
			w.Secret = s
		case "events", "rooms":
			var l listFlag
			l.Set(s)
			if k == "events" {
				w.Events = l
			} else {
				w.Rooms = l
			}
		case "max-attempts":
			w.MaxAttempts, perr = strconv.Atoi(s)
		case "min-backoff":
			w.MinBackoff, perr = time.ParseDuration(s)
		case "max-backoff":
			w.MaxBackoff, perr = time.ParseDuration(s)
		case "timeout":
			w.Timeout, perr = time.ParseDuration(s)
		}
		if perr != nil {
			problems = append(problems, fmt.Sprintf("%s: %s: %q is not a valid value", where, k, s))
		}
	}
	if w.URL == "" || w.Secret == "" {
		problems = append(problems, fmt.Sprintf("%s: url and secret are required", where))
	}
	return w, problems
}

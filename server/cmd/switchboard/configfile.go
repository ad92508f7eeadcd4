package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"
)

// errNotScalar marks a config file value that is not a single value or a
// list of them.
var errNotScalar = errors.New("not a single value")

// readConfigFile reads a YAML (.yaml, .yml) or TOML (.toml) file whose keys
// are the names of fs's flags, and returns each value as the text the flag
// would take on the command line (lists joined with commas). Unknown keys
// are problems, so a typo never passes silently.
func readConfigFile(path string, fs *flag.FlagSet) (map[string]string, []string) {
	raw, problem := decodeConfigFile(path)
	if problem != "" {
		return nil, []string{problem}
	}
	out := make(map[string]string, len(raw))
	var problems []string
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f := fs.Lookup(k)
		switch {
		case k == configFlag:
			problems = append(problems, fmt.Sprintf("%s: %s: a config file cannot name another one", path, k))
			continue
		case k == webhooksKey && fs.Lookup("webhook-url") != nil:
			continue // see readConfigWebhooks
		case f == nil:
			problems = append(problems, fmt.Sprintf("%s: unknown setting %q%s", path, k, suggest(k, fs)))
			continue
		}
		v, err := scalar(raw[k])
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s: %v", path, k, err))
			continue
		}
		out[k] = v
	}
	return out, problems
}

// decodeConfigFile reads the YAML (.yaml, .yml) or TOML (.toml) file at
// path into its keys and values, or says why it cannot.
func decodeConfigFile(path string) (map[string]any, string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Sprintf("config file: %v", err)
	}
	raw := map[string]any{}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		dec := yaml.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Sprintf("%s: not valid YAML of name: value lines: %v", path, err)
		}
	case ".toml":
		if _, err := toml.Decode(string(data), &raw); err != nil {
			return nil, fmt.Sprintf("%s: not valid TOML: %v", path, err)
		}
	default:
		return nil, fmt.Sprintf("config file %s: the name must end in .yaml, .yml or .toml", path)
	}
	return raw, ""
}

// scalar turns a decoded value into flag text.
func scalar(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10), nil
		}
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case time.Duration:
		return x.String(), nil
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			s, err := scalar(e)
			if err != nil || strings.Contains(s, ",") {
				return "", fmt.Errorf("%w: a list holds single values without commas", errNotScalar)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), nil
	case nil:
		return "", fmt.Errorf("%w: the setting has no value (leave it out for the default)", errNotScalar)
	}
	return "", fmt.Errorf("%w: give one value or a list, not a %T", errNotScalar, v)
}

// suggest proposes the flag a mistyped key probably meant.
func suggest(key string, fs *flag.FlagSet) string {
	norm := strings.ReplaceAll(strings.ToLower(key), "_", "-")
	best, bestD := "", 3
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == configFlag {
			return
		}
		if d := distance(norm, f.Name); d < bestD {
			best, bestD = f.Name, d
		}
	})
	if best == "" {
		return " (the keys are the names of serve's flags: see switchboard serve -h)"
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// envPrefix is put before a flag's name, upper-cased with - as _, to find
// its environment variable.
const envPrefix = "SWITCHBOARD_"

// configFlag names the flag (and so the variable SWITCHBOARD_CONFIG) that
// points at a config file. A FlagSet that has it reads the file.
const configFlag = "config"

// EnvName returns the environment variable of flag name.
func EnvName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Where a setting's value came from, strongest first.
const (
	fromFlag    = "flag"
	fromEnv     = "env"
	fromFile    = "file"
	fromDefault = "default"
)

// parse fills fs from, strongest first: args, the environment, the config
// file (if fs has a config flag and it or SWITCHBOARD_CONFIG names one),
// then each flag's default. It returns every problem at once (a
// problemList), or flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string, getenv func(string) string, stderr io.Writer) error {
	_, err := load(fs, args, getenv, stderr)
	return err
}

// load is parse that also says where each flag's value came from.
func load(fs *flag.FlagSet, args []string, getenv func(string) string, stderr io.Writer) (map[string]string, error) {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	from := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) { from[f.Name] = fromDefault })
	fs.Visit(func(f *flag.Flag) { from[f.Name] = fromFlag })
	var problems problemList
	set := func(f *flag.Flag, v, source, where string) {
		if err := fs.Set(f.Name, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s", where, valueProblem(f, v, err)))
			return
		}
		from[f.Name] = source
	}
	// The config file's own location comes from the flag or the environment.
	cf := fs.Lookup(configFlag)
	if cf != nil && from[configFlag] == fromDefault {
		if v := getenv(EnvName(configFlag)); v != "" {
			set(cf, v, fromEnv, EnvName(configFlag))
		}
	}
	var file map[string]string
	if cf != nil && cf.Value.String() != "" {
		var fileProblems []string
		file, fileProblems = readConfigFile(cf.Value.String(), fs)
		problems = append(problems, fileProblems...)
	}
	fs.VisitAll(func(f *flag.Flag) {
		if from[f.Name] != fromDefault || f.Name == configFlag {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			set(f, v, fromEnv, EnvName(f.Name))
		} else if v, ok := file[f.Name]; ok {
			set(f, v, fromFile, fmt.Sprintf("%s: %s", cf.Value.String(), f.Name))
		}
	})
	if len(problems) > 0 {
		return from, problems
	}
	return from, nil
}

// valueProblem explains why v does not suit flag f, without repeating a
// secret.
func valueProblem(f *flag.Flag, v string, err error) string {
	shown := fmt.Sprintf("%q", v)
	if isSecret(f.Name) {
		shown = "(hidden)"
	}
	hint := ""
	switch fmt.Sprintf("%T", f.Value) {
	case "*flag.durationValue":
		hint = " (a duration such as 90s, 15m or 168h)"
	case "*flag.intValue", "*flag.int64Value", "*flag.uintValue", "*flag.uint64Value":
		hint = " (a whole number)"
	case "*flag.float64Value":
		hint = " (a number)"
	case "*flag.boolValue":
		hint = " (true or false)"
	}
	if errors.Is(err, errNotScalar) {
		return err.Error()
	}
	return fmt.Sprintf("invalid value %s%s", shown, hint)
}

// problemList is every problem found in a configuration.
type problemList []string

func (p problemList) Error() string {
	n := "1 problem"
	if len(p) != 1 {
		n = fmt.Sprintf("%d problems", len(p))
	}
	return "invalid configuration (" + n + "):\n  " + strings.Join(p, "\n  ")
}

// isSecret reports whether a flag holds a secret, to be masked when shown.
func isSecret(name string) bool {
	for _, s := range []string{"secret", "token", "password", "passwd", "api-key", "apikey", "credential"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// listFlag is a comma-separated list flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	*l = nil
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

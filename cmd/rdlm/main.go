// Command rdlm is the command-line front end of the RDLM engine: one program,
// one subcommand per job (tables, bridge, forward, init, bench, ...).
//
// Each subcommand lives in its own file and registers itself in init(), so
// adding one touches nothing else. Every subcommand takes --help, and every
// one that reports a figure takes --json and prints one JSON object per line.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// command is one subcommand. run parses its own flags from fs, which main has
// already created with the command's name; it returns an error for the user.
type command struct {
	name    string
	summary string
	usage   string // the argument synopsis shown by --help
	run     func(fs *flag.FlagSet, args []string, stdout io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("rdlm: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// usageError marks errors that come from the command line itself (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// exitStatus ends a command that has done its work with another status than
// 0: an interrupted training run saves its checkpoint, says so, and exits
// 130 (128 + SIGINT), as an interrupted program does, so that a script can
// tell it from a finished one. msg, when set, is printed like an error.
type exitStatus struct {
	code int
	msg  string
}

func (e exitStatus) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printOverview(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "rdlm: unknown command %q (run 'rdlm --help' for the list)\n", args[0])
		return 2
	}
	fs := flag.NewFlagSet("rdlm "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: rdlm %s %s\n\n%s\n\nflags:\n", c.name, c.usage, c.summary)
		fs.PrintDefaults()
	}
	err := c.run(fs, args[1:], stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	var st exitStatus
	if errors.As(err, &st) {
		if st.msg != "" {
			fmt.Fprintf(stderr, "rdlm %s: %s\n", c.name, oneLine(st.msg))
		}
		return st.code
	}
	fmt.Fprintf(stderr, "rdlm %s: %s\n", c.name, oneLine(err.Error()))
	var ue usageError
	if errors.As(err, &ue) || isFlagError(err) {
		return 2
	}
	return 1
}

// isFlagError recognises the flag package's own parse errors.
func isFlagError(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "flag provided but not defined") || strings.HasPrefix(s, "invalid value") ||
		strings.HasPrefix(s, "bad flag syntax") || strings.Contains(s, "flag needs an argument")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// parseFlags parses args and refuses stray positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func printOverview(w io.Writer) {
	fmt.Fprintln(w, "rdlm: Riemannian diffusion language model (RDLM) on your own machine.")
	fmt.Fprintln(w, "\nusage: rdlm <command> [flags]   (rdlm <command> --help for its flags)\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// writeJSON prints v as one JSON line.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// parseFloatList parses "0.5,0.85,0.95".
func parseFloatList(s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty list")
	}
	parts := strings.Split(s, ",")
	out := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("malformed number %q in list %q", p, s)
		}
		out[i] = v
	}
	return out, nil
}

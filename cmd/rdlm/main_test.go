package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// runCLI runs the CLI in-process and returns exit code, stdout and stderr.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestOverviewListsCommands(t *testing.T) {
	code, out, _ := runCLI("--help")
	require.Equal(t, 0, code)
	for name := range commands {
		require.Contains(t, out, name)
	}
}

func TestUnknownCommand(t *testing.T) {
	code, _, errs := runCLI("frobnicate")
	require.Equal(t, 2, code)
	require.Contains(t, errs, "frobnicate")
}

// Every command answers --help with its usage and exits 0.
func TestEveryCommandHasHelp(t *testing.T) {
	for name := range commands {
		code, _, errs := runCLI(name, "--help")
		require.Equal(t, 0, code, name)
		require.True(t, strings.HasPrefix(errs, "usage: rdlm "+name), "%s: %q", name, errs)
	}
}

func TestParseFloatList(t *testing.T) {
	v, err := parseFloatList("0.5, 0.85,0.95")
	require.NoError(t, err)
	require.Equal(t, []float64{0.5, 0.85, 0.95}, v)
	_, err = parseFloatList("0.5,,x")
	require.Error(t, err)
	_, err = parseFloatList("")
	require.Error(t, err)
}

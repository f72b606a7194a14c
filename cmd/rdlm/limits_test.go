package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// Absurd sizes on sample's command line are refused by name before the
// model is read: --steps 10^9 used to allocate its time grid (8 GB).
func TestSampleRefusesAbsurdSizes(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--steps", "1000000000"}, "--steps must be at most 1048576 (walk.MaxSteps)"},
		{[]string{"--n", "1000000000", "--trace", filepath.Join(t.TempDir(), "t.json")}, "--n must be at most 1048576"},
		{[]string{"--batch", "1000000000"}, "--batch must be at most 65536 (model.MaxBatch)"},
	} {
		code, _, errs := runCLI(append([]string{"sample"}, c.args...)...)
		requireOneLineError(t, 2, code, errs, "sample", c.want)
	}
}

// Every file a user names is read through a size limit that refuses a
// device: /dev/zero as --data, --config, --cache, --from or a vocabulary
// used to be read until memory ran out.
func TestUserFilesAreReadThroughALimit(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero")
	}
	out := func() string { return filepath.Join(t.TempDir(), "out") }
	cfg := tinyTrainConfig(t)
	for _, c := range []struct {
		cmd  string
		args []string
	}{
		{"train", []string{"--config", cfg, "--out", out(), "--data", "/dev/zero"}},
		{"train", []string{"--config", "/dev/zero", "--out", out()}},
		{"init", []string{"--config", "/dev/zero", "--out", out()}},
		{"tables", []string{"--tokens", "27", "--at", "0.5", "--particles", "16", "--cache", "/dev/zero"}},
		{"convert", []string{"--from", "/dev/zero", "--out", out()}},
		{"forward", []string{"--input", "/dev/zero", "--out", out()}},
	} {
		code, _, errs := runCLI(append([]string{c.cmd}, c.args...)...)
		requireOneLineError(t, 1, code, errs, c.cmd, "/dev/zero", "not a regular file")
	}
	_, err := readVocab("/dev/zero", 3)
	require.ErrorContains(t, err, "not a regular file")
	dir := t.TempDir()
	require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, VocabFile)))
	_, err = readWordPiece(dir)
	require.ErrorContains(t, err, "not a regular file")
}

func TestBridgeAndViewBoundTheirSizes(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bridge", "--tokens", "27", "--t", "0.5", "--n", "1000000000000"}, "--n must lie in [1, 67108864]"},
		{[]string{"bridge", "--tokens", "27", "--t", "0.5", "--n", "10", "--steps", "1000000000000"}, "--steps must lie in [1, 16777216]"},
		{[]string{"view", "--n", "1000000000"}, "--n must lie in [1, 1024]"},
		{[]string{"view", "--steps", "1000000000"}, "--steps must lie in [1, 1048576]"},
	} {
		code, _, errs := runCLI(c.args...)
		requireOneLineError(t, 2, code, errs, c.args[0], c.want)
	}
}

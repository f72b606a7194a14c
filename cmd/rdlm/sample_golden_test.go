package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The samples of the shipped models as rdlm sample printed them before
// core/generate took over the request (recorded with the old command): a
// seed keeps its text through the rewrite, for free text, prompts,
// templates, the exact rule, the autoregressive baseline, a split model,
// images and traces. (A shipped model that is retrained gets its lines
// recorded anew: shakespeare-ar's are its step-4750 weights', shakespeare's its
// step-16000 weights'.)
func TestSampleMatchesRecordedOutput(t *testing.T) {
	texts := func(args ...string) []string {
		t.Helper()
		code, out, errs := runCLI(append([]string{"sample"}, args...)...)
		require.Equal(t, 0, code, errs)
		return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--model", "shakespeare", "--seed", "3", "--n", "3", "--batch", "2", "--steps", "8", "--length", "24"},
			[]string{"rse not hends woere why ", "pting erkeo er detyovi w", " ere madg itage and epen"}},
		{[]string{"--model", "shakespeare", "--seed", "5", "--n", "2", "--steps", "6", "--prompt", "To be", "--length", "20"},
			[]string{"to ber s ar an irson", "to be hhrth maw srou"}},
		{[]string{"--model", "shakespeare", "--seed", "7", "--n", "2", "--steps", "6", "--template", "the __ of ___ king"},
			[]string{"the to of the king", "the is of for king"}},
		{[]string{"--model", "shakespeare-ar", "--seed", "2", "--n", "2", "--length", "16", "--prompt", "my lord"},
			[]string{"my lord willough", "my lords born my"}},
		{[]string{"--model", "shakespeare", "--rule", "exact", "--seed", "3", "--n", "2", "--steps", "5", "--length", "16"},
			[]string{"rse t it thus wo", "tting eshenced l"}},
		{[]string{"--model", splitCheckpoint(t), "--steps", "3", "--seed", "1", "--n", "3"},
			[]string{"17498 17496", "488 8021", "6048 ?"}},
	} {
		require.Equal(t, c.want, texts(c.args...), "%v", c.args)
	}

	digest := func(path string) string {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		h := sha256.Sum256(b)
		return hex.EncodeToString(h[:])
	}
	dir := t.TempDir()
	grid := filepath.Join(dir, "m.png")
	texts("--model", "mnist", "--png", grid, "--n", "3", "--steps", "3", "--seed", "4")
	require.Equal(t, "d528050f0f73d17c69a5fd6d977bfd738e0ec84fa376ffd91b07c60aec6988ec", digest(grid))
	trace := filepath.Join(dir, "trace.json")
	texts("--model", "shakespeare", "--seed", "3", "--n", "2", "--steps", "3", "--length", "8", "--prompt", "hi", "--trace", trace)
	require.Equal(t, "c99976f386e37ec0e6982dcc53531826b9858765d8776829d789b05992a85de6", digest(trace))
}

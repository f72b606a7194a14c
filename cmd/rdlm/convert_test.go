package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
)

// Fixtures written by core/torchckpt/testdata/make_fixtures.py.
const convertFixtures = "../../core/torchckpt/testdata"

func TestConvertWritesALoadableCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "text8")
	code, out, errs := runCLI("convert", "--from", filepath.Join(convertFixtures, "text8_tiny.pth"), "--out", dir)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "step_thr 0.35, rho_scale 1, rho formula reference")
	require.Contains(t, out, "ema weights, step 4242")
	c, err := ckpt.Load(dir)
	require.NoError(t, err)
	require.Equal(t, model.Config{Vocab: 27, Length: 8, Hidden: 32, Heads: 4, Blocks: 2, Cond: 16}, c.Config.Model)

	// f16 storage: the same weights within half-precision rounding (2^-11
	// relative, or the f16 subnormal spacing near 0).
	dir16 := filepath.Join(t.TempDir(), "text8-f16")
	code, out, errs = runCLI("convert", "--from", filepath.Join(convertFixtures, "text8_tiny.pth"), "--out", dir16, "--f16", "--json")
	require.Equal(t, 0, code, errs)
	var rep map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Equal(t, "f16", rep["dtype"])
	c16, err := ckpt.Load(dir16)
	require.NoError(t, err)
	for i, w := range c.Params.Flat {
		d := float64(c16.Params.Flat[i] - w)
		require.LessOrEqual(t, d*d, sq(float64(w)/2048)+sq(6e-8), "param %d", i)
	}

	// The converted model samples like a trained one.
	code, out, errs = runCLI("sample", "--model", dir, "--steps", "4", "--n", "2", "--seed", "3")
	require.Equal(t, 0, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	require.Len(t, lines[0], 8)
}

func sq(x float64) float64 { return x * x }

// An LM1B-style model: digits back to ids, ids to WordPiece text with the
// vocabulary convert stored; without it, ids.
func TestConvertAndSampleASplitModel(t *testing.T) {
	var vocab strings.Builder
	vocab.WriteString("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n")
	for i := 5; i < 30522; i++ {
		fmt.Fprintf(&vocab, "w%d\n", i)
	}
	vocabPath := filepath.Join(t.TempDir(), "vocab.txt")
	require.NoError(t, os.WriteFile(vocabPath, []byte(vocab.String()), 0o644))

	from := filepath.Join(convertFixtures, "lm1b_tiny.pth")
	bare := filepath.Join(t.TempDir(), "bare")
	code, out, errs := runCLI("convert", "--from", from, "--out", bare)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "30522 token ids as 10 base-3 digits (2 tokens per sequence); tokenizer bert-base-uncased")
	require.Contains(t, out, "no --vocab given")
	code, out, errs = runCLI("sample", "--model", bare, "--steps", "3", "--seed", "1")
	require.Equal(t, 0, code, errs)
	require.Regexp(t, `^(\d+|\?) (\d+|\?)\n$`, out)

	withVocab := filepath.Join(t.TempDir(), "lm1b")
	code, _, errs = runCLI("convert", "--from", from, "--out", withVocab, "--vocab", vocabPath)
	require.Equal(t, 0, code, errs)
	code, out, errs = runCLI("sample", "--model", withVocab, "--steps", "3", "--seed", "1", "--json")
	require.Equal(t, 0, code, errs)
	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	require.Regexp(t, `^((w\d+|\[UNK\])( |$)){1,2}`, s["text"])

	code, _, errs = runCLI("sample", "--model", withVocab, "--prompt", "hello")
	require.Equal(t, 2, code)
	require.Contains(t, errs, "not supported yet for models with a tokenizer")
}

func TestConvertRejectsBadInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--out", out}, 2, "--from checkpoint.pth is required"},
		{[]string{"--from", filepath.Join(convertFixtures, "evil.pth"), "--out", out}, 1, `refusing global "posix.system"`},
		{[]string{"--from", filepath.Join(convertFixtures, "no_config.pth"), "--out", out}, 1, "no 'config' entry"},
		{[]string{"--from", filepath.Join(convertFixtures, "make_fixtures.py"), "--out", out}, 1, "not a PyTorch zip checkpoint"},
		{[]string{"--from", filepath.Join(convertFixtures, "text8_tiny.pth"), "--out", out, "--step-thr", "0.2"}, 1, "--step-thr 0.2 disagrees"},
		{[]string{"--from", filepath.Join(convertFixtures, "text8_tiny.pth"), "--out", out, "--vocab", "x.txt"}, 2, "--vocab is for models with a WordPiece tokenizer"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(append([]string{"convert"}, c.args...)...)
		require.Equal(t, c.code, code, "%v: %s", c.args, errs)
		require.Contains(t, errs, c.want, c.args)
	}
	_, err := os.Stat(out)
	require.True(t, os.IsNotExist(err), "a refused conversion writes nothing")
}

// convert onto an existing checkpoint folder once replaced it silently; it
// is refused without --force, as init and export refuse.
func TestConvertRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join(convertFixtures, "text8_tiny.pth")
	precious := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(precious, []byte("keep me"), 0o644))
	code, _, errs := runCLI("convert", "--from", from, "--out", dir)
	requireOneLineError(t, 1, code, errs, "convert", "not empty", "--force")
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, es, 1, "a refused conversion writes nothing")

	// With --force the checkpoint files are written (and a vocabulary left
	// from an earlier model is not taken for this one's); other files stay.
	require.NoError(t, os.WriteFile(filepath.Join(dir, VocabFile), []byte("[PAD]\n"), 0o644))
	code, _, errs = runCLI("convert", "--from", from, "--out", dir, "--force")
	require.Equal(t, 0, code, errs)
	_, err = ckpt.Load(dir)
	require.NoError(t, err)
	b, err := os.ReadFile(precious)
	require.NoError(t, err)
	require.Equal(t, "keep me", string(b))
	_, err = os.Stat(filepath.Join(dir, VocabFile))
	require.True(t, os.IsNotExist(err))

	// A converted checkpoint is refused in turn.
	code, _, errs = runCLI("convert", "--from", from, "--out", dir)
	requireOneLineError(t, 1, code, errs, "convert", "not empty", "--force")
}

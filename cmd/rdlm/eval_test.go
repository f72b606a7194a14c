package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/trainer/data"
	"github.com/stretchr/testify/require"
)

// tinyCheckpoint writes a random tiny model (non-zero logits) and returns its folder.
func tinyCheckpoint(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tiny")
	code, _, errs := runCLI("init", "--preset", "tiny", "--seed", "1", "--no-zero-init", "--out", dir)
	require.Equal(t, 0, code, errs)
	return dir
}

func evalJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errs := runCLI(append([]string{"eval", "--json"}, args...)...)
	require.Equal(t, 0, code, errs)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	return got
}

func TestEvalPrintsOneJSONLine(t *testing.T) {
	dir := tinyCheckpoint(t)
	quick := []string{"--model", dir, "--max-sequences", "4", "--estimator", "reference", "--bridge-steps", "20"}
	got := evalJSON(t, append(quick, "--seeds", "2")...)
	for _, key := range []string{"bpc", "stderr", "sequences", "seeds", "stderr_seeds", "seed_bpc", "estimator", "family", "split", "data"} {
		require.Contains(t, got, key)
	}
	bpc := got["bpc"].(float64)
	require.True(t, bpc > 0 && !math.IsInf(bpc, 0), "bpc %v", bpc)
	require.Greater(t, got["stderr"].(float64), 0.0)
	require.Equal(t, 4.0, got["sequences"])
	require.Equal(t, 2.0, got["seeds"])
	require.Len(t, got["seed_bpc"], 2)
	require.Equal(t, "simulated-bridge-20", got["estimator"])
	require.Equal(t, "rdlm", got["family"])
	require.Equal(t, "test", got["split"])
	require.Equal(t, "shakespeare", got["data"], "an untrained model records no corpus")

	// The batch does not change the figure; the split does.
	again := evalJSON(t, append(quick, "--seeds", "2", "--batch", "1")...)
	require.Equal(t, bpc, again["bpc"])
	valid := evalJSON(t, append(quick, "--seeds", "2", "--split", "valid")...)
	require.NotEqual(t, bpc, valid["bpc"])

	// One seed: the spread across seeds is undefined, and printed as null;
	// so is the Monte Carlo error of one time per sequence.
	one := evalJSON(t, quick...)
	require.Contains(t, one, "stderr_seeds")
	require.Nil(t, one["stderr_seeds"])
	require.Nil(t, one["stderr_mc"])

	// The precise estimator (the default) has both its error bars from one
	// seed, and writes every (sequence, time) when asked.
	rows := filepath.Join(t.TempDir(), "rows.jsonl")
	precise := evalJSON(t, "--model", dir, "--max-sequences", "4", "--times", "4", "--rows", rows)
	require.Equal(t, "graded-bridge, 4 stratified t per sequence, late-weighted", precise["estimator"])
	require.Equal(t, 4.0, precise["times"])
	require.Greater(t, precise["stderr_mc"].(float64), 0.0)
	require.Greater(t, precise["stderr"].(float64), 0.0)
	b, err := os.ReadFile(rows)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 16)
	var sum float64
	for _, ln := range lines {
		var r struct {
			Seed, Sequence int
			T, NELBO       float64
		}
		require.NoError(t, json.Unmarshal([]byte(ln), &r))
		require.True(t, r.T >= 0 && r.T < 1)
		sum += r.NELBO
	}
	require.InEpsilon(t, precise["nelbo"].(float64), sum/16, 1e-6, "the rows are what the mean is made of")

	code, out, errs := runCLI(append([]string{"eval"}, quick...)...)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "bits per character")
	require.Contains(t, out, "simulated-bridge-20")
}

func TestEvalRefusesBadRequests(t *testing.T) {
	dir := tinyCheckpoint(t)
	tmp := t.TempDir()
	corruptText8 := filepath.Join(tmp, "text8")
	require.NoError(t, os.WriteFile(corruptText8, []byte("not the text8 corpus"), 0o644))
	noLetters := filepath.Join(tmp, "symbols.txt")
	require.NoError(t, os.WriteFile(noLetters, []byte("!!! ??? ..."), 0o644))

	// A model of another vocabulary than the data's.
	cfg := filepath.Join(tmp, "other-vocab.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"model":{"vocab":30},"process":{"vocab":"custom30"}}`), 0o644))
	other := filepath.Join(tmp, "other")
	code, _, errs := runCLI("init", "--preset", "tiny", "--config", cfg, "--out", other)
	require.Equal(t, 0, code, errs)

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--model", "no-such-model"}, 1, "no built-in model of that name"},
		{[]string{"--model", filepath.Join(tmp, "absent")}, 1, "no such checkpoint folder"},
		{[]string{"--model", dir, "--split", "dev"}, 2, `--split must be valid or test`},
		{[]string{"--model", dir, "--seeds", "0"}, 2, "--seeds must be >= 1"},
		{[]string{"--model", dir, "--max-sequences", "-1"}, 2, "--max-sequences must be >= 0"},
		{[]string{"--model", dir, "--batch", "0"}, 2, "--batch must be >= 1"},
		{[]string{"--model", dir, "--bridge-steps", "0"}, 2, "--bridge-steps must lie in [1, 100000]"},
		{[]string{"--model", dir, "--data", filepath.Join(tmp, "absent.txt")}, 1, "no such file"},
		{[]string{"--model", dir, "--data", corruptText8}, 1, corruptText8},
		{[]string{"--model", dir, "--data", noLetters}, 1, "no letters or digits"},
		{[]string{"--model", other}, 1, `the model has "custom30" with 30`},
		{[]string{"--model", dir, "stray"}, 2, `unexpected argument "stray"`},
	} {
		code, out, errs := runCLI(append([]string{"eval"}, c.args...)...)
		require.Equal(t, c.code, code, "%v: %s", c.args, errs)
		require.Contains(t, errs, c.want, "%v", c.args)
		require.Empty(t, out, "%v", c.args)
	}
}

// A masked-diffusion model is scored with its own NELBO, and a model that
// records its training corpus is evaluated on it by default.
func TestEvalFollowsTheModelsFamilyAndCorpus(t *testing.T) {
	tmp := t.TempDir()
	cfg := filepath.Join(tmp, "mdlm.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"process":{"family":"mdlm"}}`), 0o644))
	mdlm := filepath.Join(tmp, "mdlm")
	code, _, errs := runCLI("init", "--preset", "tiny", "--config", cfg, "--out", mdlm)
	require.Equal(t, 0, code, errs)
	got := evalJSON(t, "--model", mdlm, "--max-sequences", "200")
	require.Equal(t, "mdlm", got["family"])
	require.Equal(t, "mdlm-loglinear, 16 stratified t per sequence, late-weighted", got["estimator"])
	require.NotContains(t, got, "step_thr", "the sphere's step_thr means nothing for MDLM")
	// Zero-initialised: uniform predictions, whose NELBO is log2(27) bits per token.
	bpc, se := got["bpc"].(float64), got["stderr"].(float64)
	require.Less(t, math.Abs(bpc-math.Log2(27)), 4*se)

	// A checkpoint whose training record names a text file.
	corpus := filepath.Join(tmp, "corpus.txt")
	var text []byte
	for i := range 400 {
		text = append(text, []byte("the quick brown fox jumps over the lazy dog "[i%7:])...)
	}
	require.NoError(t, os.WriteFile(corpus, text, 0o644))
	c, err := ckpt.Load(mdlm)
	require.NoError(t, err)
	c.Config.Training = &ckpt.Training{Objective: "mdlm", Times: "uniform", Data: corpus, Batch: 1}
	trained := filepath.Join(tmp, "trained")
	require.NoError(t, ckpt.Save(trained, c))
	got = evalJSON(t, "--model", trained)
	require.Equal(t, corpus, got["data"])
	want, err := data.Open(corpus)
	require.NoError(t, err)
	require.Equal(t, float64(want.Test.Len()/32), got["sequences"], "the whole test split, in sequences of the model's length")
}

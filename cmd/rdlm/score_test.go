package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// arCheckpoint writes a random tiny autoregressive model.
func arCheckpoint(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	cfg := filepath.Join(tmp, "ar.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"model":{"vocab":27,"length":32,"hidden":64,"heads":4,"blocks":2,"cond":128,"causal":true},"process":{"family":"ar"}}`), 0o644))
	dir := filepath.Join(tmp, "ar")
	code, _, errs := runCLI("init", "--preset", "tiny", "--config", cfg, "--seed", "2", "--no-zero-init", "--out", dir)
	require.Equal(t, 0, code, errs)
	return dir
}

// score judges texts with an autoregressive model: one JSON line with bits
// per character and entropy; a text in the alphabet is taken as it is, any
// other normalised and counted; samples of the model itself go through
// `rdlm sample`; bad requests are refused with a named reason.
func TestScoreJudgesTexts(t *testing.T) {
	ar := arCheckpoint(t)
	tmp := t.TempDir()
	samples := filepath.Join(tmp, "samples.txt")
	code, out, errs := runCLI("sample", "--model", ar, "--n", "3", "--seed", "4")
	require.Equal(t, 0, code, errs)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 3)
	require.NoError(t, os.WriteFile(samples, []byte(out), 0o644))

	code, out, errs = runCLI("score", "--judge", ar, "--text", samples, "--json")
	require.Equal(t, 0, code, errs)
	got := decodeJSONLine(t, out)
	require.Equal(t, 3.0, got["texts"])
	require.Equal(t, 96.0, got["characters"])
	require.Equal(t, 0.0, got["normalised_characters"])
	bpc := got["bpc"].(float64)
	require.True(t, bpc > 0 && bpc < 10, "bpc %v", bpc)
	require.Greater(t, got["entropy"].(float64), 0.0)

	// --rows writes each text's figures; weighted by characters they make
	// the overall figure.
	rows := filepath.Join(tmp, "rows.jsonl")
	code, _, errs = runCLI("score", "--judge", ar, "--text", samples, "--rows", rows, "--json")
	require.Equal(t, 0, code, errs)
	raw, err := os.ReadFile(rows)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	require.Len(t, lines, 3)
	var bits, chars, ent float64
	for i, line := range lines {
		r := decodeJSONLine(t, line)
		require.Equal(t, float64(i), r["text"])
		bits += r["bpc"].(float64) * r["characters"].(float64)
		chars += r["characters"].(float64)
		ent += r["entropy"].(float64) / 3
	}
	require.InDelta(t, bpc, bits/chars, 1e-6)
	require.InDelta(t, got["entropy"].(float64), ent, 1e-6)
	code, _, errs = runCLI("score", "--judge", ar, "--text", samples, "--rows", filepath.Join(tmp, "no", "rows.jsonl"))
	require.Equal(t, 1, code)
	require.Contains(t, errs, "--rows")

	odd := filepath.Join(tmp, "odd.txt")
	require.NoError(t, os.WriteFile(odd, []byte("Héllo, World 42\n\n"), 0o644))
	code, out, errs = runCLI("score", "--judge", ar, "--text", odd, "--json")
	require.Equal(t, 0, code, errs)
	require.Greater(t, decodeJSONLine(t, out)["normalised_characters"].(float64), 0.0)

	empty := filepath.Join(tmp, "empty.txt")
	require.NoError(t, os.WriteFile(empty, []byte("\n \n"), 0o644))
	rdlm := tinyCheckpoint(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--judge", ar}, 2, "--text FILE is required"},
		{[]string{"--judge", rdlm, "--text", samples}, 1, `is a "rdlm" model; a judge must be autoregressive`},
		{[]string{"--judge", ar, "--text", empty}, 1, "no text to judge"},
		{[]string{"--judge", ar, "--text", tmp}, 1, "not a regular file"},
		{[]string{"--judge", ar, "--text", samples, "--batch", "0"}, 2, "--batch must lie in"},
	} {
		code, out, errs := runCLI(append([]string{"score"}, c.args...)...)
		require.Equal(t, c.code, code, "%v: %s", c.args, errs)
		require.Contains(t, errs, c.want, "%v", c.args)
		require.Empty(t, out, "%v", c.args)
	}
	// The autoregressive baseline runs on the CPU only.
	code, _, errs = runCLI("sample", "--model", ar, "--backend", "webgpu")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "CPU only")
}

func decodeJSONLine(t *testing.T, out string) map[string]any {
	t.Helper()
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	return got
}

// eval --versus scores two models on the same sequences and reports the
// paired difference; a model against itself differs by exactly 0.
func TestEvalVersus(t *testing.T) {
	ar := arCheckpoint(t)
	code, out, errs := runCLI("eval", "--model", ar, "--versus", ar, "--max-sequences", "4", "--json")
	require.Equal(t, 0, code, errs)
	got := decodeJSONLine(t, out)
	require.Equal(t, 0.0, got["difference"])
	require.Equal(t, 4.0, got["sequences"])
	rdlm := tinyCheckpoint(t)
	code, out, errs = runCLI("eval", "--model", rdlm, "--versus", ar, "--max-sequences", "4", "--times", "2", "--json")
	require.Equal(t, 0, code, errs)
	got = decodeJSONLine(t, out)
	a, b := got["a"].(map[string]any), got["b"].(map[string]any)
	require.InDelta(t, a["bpc"].(float64)-b["bpc"].(float64), got["difference"].(float64), 1e-9)
	require.Greater(t, got["difference_stderr"].(float64), 0.0)
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/text"
	"github.com/stretchr/testify/require"
)

// tinyModel writes a random tiny checkpoint (non-zero logits, so the
// network's belief matters) with the given process settings overlaid.
func tinyModel(t *testing.T, process string) string {
	dir := filepath.Join(t.TempDir(), "tiny")
	args := []string{"init", "--preset", "tiny", "--seed", "1", "--no-zero-init", "--out", dir}
	if process != "" {
		cfg := filepath.Join(t.TempDir(), "cfg.json")
		require.NoError(t, os.WriteFile(cfg, []byte(`{"process":`+process+`}`), 0o644))
		args = append(args, "--config", cfg)
	}
	code, _, errs := runCLI(args...)
	require.Equal(t, 0, code, errs)
	return dir
}

type sampleLine struct {
	Seed  uint64 `json:"seed"`
	Index int    `json:"index"`
	Text  string `json:"text"`
	Steps int    `json:"steps"`
}

func sampleJSON(t *testing.T, args ...string) []sampleLine {
	t.Helper()
	code, out, errs := runCLI(append([]string{"sample", "--json"}, args...)...)
	require.Equal(t, 0, code, errs)
	var lines []sampleLine
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var s sampleLine
		require.NoError(t, json.Unmarshal([]byte(l), &s), l)
		lines = append(lines, s)
	}
	return lines
}

func requireText8(t *testing.T, s string, length int) {
	t.Helper()
	require.Len(t, s, length)
	_, err := text.Text8().Encode(s)
	require.NoError(t, err)
}

func TestSampleIsDeterministicWhateverTheBatch(t *testing.T) {
	dir := tinyModel(t, "")
	together := sampleJSON(t, "--model", dir, "--n", "3", "--steps", "12", "--seed", "4")
	apart := sampleJSON(t, "--model", dir, "--n", "3", "--steps", "12", "--seed", "4", "--batch", "1")
	require.Equal(t, together, apart)
	require.Len(t, together, 3)
	for i, s := range together {
		require.Equal(t, sampleLine{Seed: 4, Index: i, Text: s.Text, Steps: 12}, s)
		requireText8(t, s.Text, 32) // the model's length by default
	}
	require.NotEqual(t, together[0].Text, together[1].Text)
	other := sampleJSON(t, "--model", dir, "--n", "3", "--steps", "12", "--seed", "5")
	require.NotEqual(t, together[0].Text, other[0].Text)

	// Plain output: the same texts, one per line.
	code, out, errs := runCLI("sample", "--model", dir, "--n", "3", "--steps", "12", "--seed", "4")
	require.Equal(t, 0, code, errs)
	require.Equal(t, together[0].Text+"\n"+together[1].Text+"\n"+together[2].Text+"\n", out)
}

// Steps and the start point come from the model's config, not from defaults.
func TestSampleTakesProcessFromModel(t *testing.T) {
	dir := tinyModel(t, `{"sample_steps": 5, "step_thr": 0}`)
	trace := filepath.Join(t.TempDir(), "trace.json")
	lines := sampleJSON(t, "--model", dir, "--length", "6", "--trace", trace)
	require.Len(t, lines, 1)
	require.Equal(t, 5, lines[0].Steps)
	var tr sampleTrace
	b, err := os.ReadFile(trace)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &tr))
	require.Equal(t, "masked", tr.Start)
	require.Len(t, tr.Samples[0].Trace, 5)
}

func TestSampleTraceShape(t *testing.T) {
	dir := tinyModel(t, "")
	outDir := t.TempDir()
	trace := filepath.Join(outDir, "trace.json")
	lines := sampleJSON(t, "--model", dir, "--n", "3", "--batch", "2", "--steps", "4", "--length", "10",
		"--prompt", "Hi 2", "--seed", "9", "--trace", trace)
	b, err := os.ReadFile(trace)
	require.NoError(t, err)
	var tr sampleTrace
	require.NoError(t, json.Unmarshal(b, &tr))
	require.Equal(t, uint64(9), tr.Seed)
	require.Equal(t, 4, tr.Steps)
	require.Equal(t, 10, tr.Length)
	require.Equal(t, "uniform", tr.Start) // the default process has step_thr 0.35
	require.Equal(t, "hi two ", tr.Hold)  // a spelt-out digit is a word of its own
	grid := make([]float64, 5)
	_, err = process.SamplingGrid(grid)
	require.NoError(t, err)
	require.Len(t, tr.Samples, 3)
	for i, s := range tr.Samples {
		require.Equal(t, i, s.Index)
		require.Equal(t, lines[i].Text, s.Text)
		require.True(t, strings.HasPrefix(s.Text, "hi two "), s.Text)
		requireText8(t, s.Text, 10)
		require.Len(t, s.Trace, 4)
		for k, st := range s.Trace {
			require.Equal(t, k, st.Step)
			require.Equal(t, grid[k], st.T)
			requireText8(t, st.Top, 10)
			require.Equal(t, "hi two ", st.Top[:7])
			require.Len(t, st.Prob, 10)
			for l, p := range st.Prob {
				require.True(t, p > 0 && p <= 1, "probability %g", p)
				if l < 7 {
					require.Equal(t, float32(1), p)
				}
			}
		}
	}
	// Written atomically: nothing else is left beside it.
	entries, err := os.ReadDir(outDir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
}

func TestSampleTemplateKeepsGivenCharacters(t *testing.T) {
	dir := tinyModel(t, "")
	lines := sampleJSON(t, "--model", dir, "--n", "2", "--steps", "8", "--template", "To be, or ___ to be")
	for _, s := range lines {
		requireText8(t, s.Text, 18)
		require.Equal(t, "to be or ", s.Text[:9])
		require.Equal(t, " to be", s.Text[12:])
	}
}

func TestSampleErrors(t *testing.T) {
	dir := tinyModel(t, "")
	cases := []struct {
		code int
		args []string
		want []string
	}{
		{1, []string{"--model", "no-such-model"}, []string{"no such checkpoint folder, and no built-in model"}},
		{1, []string{"--model", filepath.Join(dir, "nope")}, []string{"no such checkpoint folder"}},
		{2, []string{"--model", dir, "--length", "33"}, []string{"length 33 is longer than the model's 32"}},
		{2, []string{"--model", dir, "--length", "0"}, []string{"--length must be >= 1"}},
		{2, []string{"--model", dir, "--length", "4", "--prompt", "hello"}, []string{"--prompt has 5 characters", "the length is 4"}},
		{2, []string{"--model", dir, "--raw", "--prompt", "Hello"}, []string{"--prompt", "character 'H'", "text8 vocabulary"}},
		{2, []string{"--model", dir, "--raw", "--template", "a_?"}, []string{"--template", "character '?'"}},
		{2, []string{"--model", dir, "--template", "a__", "--length", "5"}, []string{"--length 5 disagrees with the template's 3"}},
		{2, []string{"--model", dir, "--template", strings.Repeat("_", 33)}, []string{"length 33 is longer than the model's 32"}},
		{2, []string{"--model", dir, "--prompt", "a", "--template", "a_"}, []string{"--prompt or --template, not both"}},
		{2, []string{"--model", dir, "--steps", "0"}, []string{"--steps must be >= 1, got 0"}},
		{2, []string{"--model", dir, "--n", "0"}, []string{"--n must be >= 1"}},
		{2, []string{"--model", dir, "stray"}, []string{"unexpected argument"}},
	}
	for _, c := range cases {
		code, _, errs := runCLI(append([]string{"sample"}, c.args...)...)
		requireOneLineError(t, c.code, code, errs, "sample", c.want...)
	}

	// A vocabulary the sampler cannot print is refused by name.
	code, _, errs := runCLI("sample", "--model", tinyModel(t, `{"vocab": "dna"}`))
	requireOneLineError(t, 1, code, errs, "sample", `vocabulary "dna"`, "known: text8")
}

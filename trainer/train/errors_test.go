package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBadDataIsAClearError(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, 2)
	cfg.Data = filepath.Join(dir, "missing.txt")
	_, err := New(cfg, Options{Out: runDir(t)})
	require.ErrorContains(t, err, "missing.txt")
	require.ErrorContains(t, err, "no such file")

	// A damaged text8 copy is refused, never read as a shorter data set.
	bad := filepath.Join(dir, "text8")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Repeat("abc ", 1000)), 0o644))
	cfg.Data = bad
	_, err = New(cfg, Options{Out: runDir(t)})
	require.ErrorContains(t, err, bad)

	empty := filepath.Join(dir, "empty.txt")
	require.NoError(t, os.WriteFile(empty, []byte("!!! ???\n"), 0o644))
	cfg.Data = empty
	_, err = New(cfg, Options{Out: runDir(t)})
	require.ErrorContains(t, err, "no letters")
}

// Resuming on data with another vocabulary is refused before anything is
// written, naming both vocabularies.
func TestResumeRefusesAnotherVocabulary(t *testing.T) {
	dir := t.TempDir()
	text := func(name, s string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(strings.Repeat(s, 2000)), 0o644))
		return p
	}
	cfg := testConfig(t, 2)
	cfg.CharVocab, cfg.Data = true, text("abc.txt", "abc cab bca ")
	out := runDir(t)
	tr, _ := runTrainer(t, cfg, out, false)
	require.Equal(t, 4, tr.Config().Model.Vocab) // "a", "b", "c" and the space
	before := checkpointFiles(t, out)

	saved, err := SavedConfig(out)
	require.NoError(t, err)
	saved.Steps, saved.Data = 4, text("abcd.txt", "abcd dcba ")
	_, err = New(saved, Options{Out: out, Resume: true})
	require.ErrorContains(t, err, "vocabulary")
	require.ErrorContains(t, err, "4 tokens")
	require.ErrorContains(t, err, "5 tokens")
	require.Equal(t, before, checkpointFiles(t, out))

	// Settings that would make the continuation another run are refused too.
	saved.Data, saved.Batch = cfg.Data, 2
	_, err = New(saved, Options{Out: out, Resume: true})
	require.ErrorContains(t, err, "batch")
}

func TestOutputFolderProblems(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, []byte("keep me"), 0o644))
	cfg := testConfig(t, 2)

	_, err := New(cfg, Options{Out: filepath.Join(file, "run")})
	require.ErrorContains(t, err, "not a directory")
	_, err = New(cfg, Options{Out: file})
	require.ErrorContains(t, err, "not a folder")
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, "keep me", string(b))

	// A finished run is not started over without --resume.
	out := runDir(t)
	runTrainer(t, cfg, out, false)
	before := checkpointFiles(t, out)
	_, err = New(cfg, Options{Out: out})
	require.ErrorContains(t, err, "--resume")
	require.Equal(t, before, checkpointFiles(t, out))

	// Resuming where there is no checkpoint says so.
	_, err = New(cfg, Options{Out: runDir(t), Resume: true})
	require.ErrorContains(t, err, "no checkpoint")
}

func TestLoadConfig(t *testing.T) {
	for _, name := range PresetNames() {
		c, err := LoadConfig(name)
		require.NoError(t, err, name)
		require.NoError(t, c.Validate(), name)
	}
	_, err := LoadConfig("huge")
	require.ErrorContains(t, err, "unknown config")

	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "c.json")
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
		return p
	}
	c, err := LoadConfig(write(`{"base": "small", "preset": "tiny", "objective": "elbo", "batch": 3}`))
	require.NoError(t, err)
	require.Equal(t, 32, c.Model.Length)
	require.Equal(t, "elbo", c.Objective)
	require.Equal(t, 3, c.Batch)
	require.Equal(t, "shakespeare", c.Data)

	_, err = LoadConfig(write(`{"bach": 3}`))
	require.ErrorContains(t, err, "bach")
	_, err = LoadConfig(write(`{"lr": -1}`))
	require.ErrorContains(t, err, "lr")
	_, err = LoadConfig(write(`{"objective": "mdlm"}`))
	require.ErrorContains(t, err, "uniform") // the small preset's importance window is RDLM's
	_, err = LoadConfig(write(`not json`))
	require.ErrorContains(t, err, "JSON")

	c.SetObjective("mdlm")
	require.Equal(t, "uniform", c.Times)
	require.NoError(t, c.Validate())
}

func TestCurveIsSVGWithBothSeries(t *testing.T) {
	svg := string(renderCurve(series{x: []float64{10, 20, 30}, y: []float64{300, 100, 5}}, series{x: []float64{30}, y: []float64{2.5}}, "validation BPD (EMA)", 30))
	require.True(t, strings.HasPrefix(svg, "<svg"))
	require.True(t, strings.HasSuffix(svg, "</svg>\n"))
	require.Equal(t, 2, strings.Count(svg, "<polyline"))
	require.Contains(t, svg, "log scale")
	require.Contains(t, svg, "validation BPD (EMA)")
}

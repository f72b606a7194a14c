package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/builtin"
	"github.com/stretchr/testify/require"
)

// The built-in default model is what `rdlm sample` uses with no --model: the
// same seed prints the same text, and a template keeps its given characters.
func TestDefaultModelSamples(t *testing.T) {
	args := []string{"sample", "--seed", "7", "--n", "2", "--length", "48", "--steps", "24"}
	code, first, errs := runCLI(args...)
	require.Equal(t, 0, code, errs)
	code, second, errs := runCLI(args...)
	require.Equal(t, 0, code, errs)
	require.Equal(t, first, second)
	lines := strings.Split(strings.TrimRight(first, "\n"), "\n")
	require.Len(t, lines, 2)
	for _, l := range lines {
		require.Len(t, l, 48)
	}

	tmpl := "to be or ___ to be that is the ________"
	code, out, errs := runCLI("sample", "--seed", "7", "--steps", "24", "--template", tmpl)
	require.Equal(t, 0, code, errs)
	got := strings.TrimRight(out, "\n")
	require.Len(t, got, len(tmpl))
	for i := range tmpl {
		if tmpl[i] != '_' {
			require.Equal(t, tmpl[i], got[i], "template character %d changed: %q", i, got)
		}
	}
}

func TestLoadModelResolution(t *testing.T) {
	c, label, err := loadModel("")
	require.NoError(t, err)
	require.Equal(t, builtin.Default, label)
	require.Equal(t, 27, c.Config.Model.Vocab)

	_, _, err = loadModel(filepath.Join(t.TempDir(), "absent"))
	require.ErrorContains(t, err, "no such checkpoint folder")
}

func TestExportCopiesAModel(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	code, stdout, errs := runCLI("export", "--model", builtin.Default, "--out", out)
	require.Equal(t, 0, code, errs)
	require.Contains(t, stdout, "f32")
	c, _, err := loadModel(out)
	require.NoError(t, err)
	ref, err := builtin.Load(builtin.Default)
	require.NoError(t, err)
	require.Equal(t, ref.Params.Flat, c.Params.Flat, "f16 weights widen to f32 exactly")

	code, _, errs = runCLI("export", "--model", builtin.Default, "--out", out)
	require.Equal(t, 1, code)
	require.Contains(t, errs, "not empty")
}

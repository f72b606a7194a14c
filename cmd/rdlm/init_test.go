package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/tables"
	"github.com/stretchr/testify/require"
)

// requireOneLineError checks the CLI's error contract: the exit code, one
// line on stderr naming the command, and the given fragments.
func requireOneLineError(t *testing.T, wantCode int, code int, stderr string, cmd string, fragments ...string) {
	t.Helper()
	require.Equal(t, wantCode, code, stderr)
	if wantCode == 1 {
		require.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
		require.True(t, strings.HasPrefix(stderr, "rdlm "+cmd+": "), stderr)
	}
	for _, f := range fragments {
		require.Contains(t, stderr, f)
	}
}

func TestInitWritesLoadableCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tiny")
	code, out, errs := runCLI("init", "--preset", "tiny", "--seed", "3", "--out", dir, "--json")
	require.Equal(t, 0, code, errs)
	var report struct {
		Params int    `json:"params"`
		DType  string `json:"dtype"`
		SHA    string `json:"weights_sha256"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &report))
	want, err := model.Preset("tiny")
	require.NoError(t, err)
	require.Equal(t, want.NumParams(), report.Params)
	require.Equal(t, 267803, report.Params) // the reference's count for this shape

	c, err := ckpt.Load(dir)
	require.NoError(t, err)
	require.Equal(t, want, c.Config.Model)
	require.Equal(t, ckpt.DefaultProcess(), c.Config.Process)
	require.Equal(t, ckpt.DTypeF32, c.Config.DType)
	require.Equal(t, report.SHA, c.Config.WeightsSHA256)
	require.Zero(t, c.Config.Step)
	// Zero-init: the output projection and every modulation layer start at 0,
	// the input embedding does not.
	require.Equal(t, make([]float32, len(c.Params.OutW)), c.Params.OutW)
	require.Equal(t, make([]float32, len(c.Params.Blocks[0].AdaW)), c.Params.Blocks[0].AdaW)
	require.NotEqual(t, make([]float32, len(c.Params.EmbedW)), c.Params.EmbedW)

	// The same seed gives the same weights, another seed other weights.
	again := filepath.Join(t.TempDir(), "again")
	code, out2, _ := runCLI("init", "--preset", "tiny", "--seed", "3", "--out", again, "--json")
	require.Equal(t, 0, code)
	require.Equal(t, strings.Replace(out, dir, again, 1), out2)
	other := filepath.Join(t.TempDir(), "other")
	code, out3, _ := runCLI("init", "--preset", "tiny", "--seed", "4", "--out", other, "--json")
	require.Equal(t, 0, code)
	require.NotContains(t, out3, report.SHA)
}

func TestInitF16AndNoZeroInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	code, out, errs := runCLI("init", "--preset", "tiny", "--out", dir, "--f16", "--no-zero-init")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "f16")
	c, err := ckpt.Load(dir)
	require.NoError(t, err)
	require.Equal(t, ckpt.DTypeF16, c.Config.DType)
	require.NotEqual(t, make([]float32, len(c.Params.OutW)), c.Params.OutW)
	st, err := os.Stat(filepath.Join(dir, ckpt.WeightsFile))
	require.NoError(t, err)
	require.Less(t, st.Size(), int64(2*267803+8192)) // two bytes a weight plus the header
}

func TestInitConfigFile(t *testing.T) {
	tmp := t.TempDir()
	bare := filepath.Join(tmp, "bare.json")
	require.NoError(t, os.WriteFile(bare, []byte(`{"length": 16, "blocks": 1}`), 0o644))
	dir := filepath.Join(tmp, "a")
	code, _, errs := runCLI("init", "--preset", "tiny", "--config", bare, "--out", dir)
	require.Equal(t, 0, code, errs)
	c, err := ckpt.Load(dir)
	require.NoError(t, err)
	require.Equal(t, model.Config{Vocab: 27, Length: 16, Hidden: 64, Heads: 4, Blocks: 1, Cond: 128}, c.Config.Model)

	// A checkpoint's own config.json is a template: model and process carry
	// over, its checksum and step do not.
	withProcess := filepath.Join(tmp, "proc.json")
	require.NoError(t, os.WriteFile(withProcess, []byte(`{"process": {"rho_formula": "reference", "rho_scale": 1.14}}`), 0o644))
	dir2 := filepath.Join(tmp, "b")
	code, _, errs = runCLI("init", "--config", filepath.Join(dir, ckpt.ConfigFile), "--out", dir2)
	require.Equal(t, 0, code, errs)
	c2, err := ckpt.Load(dir2)
	require.NoError(t, err)
	require.Equal(t, c.Config.Model, c2.Config.Model)
	dir3 := filepath.Join(tmp, "c")
	code, _, errs = runCLI("init", "--preset", "tiny", "--config", withProcess, "--out", dir3)
	require.Equal(t, 0, code, errs)
	c3, err := ckpt.Load(dir3)
	require.NoError(t, err)
	require.Equal(t, tables.Reference, c3.Config.Process.RhoFormula)
	require.Equal(t, 1.14, c3.Config.Process.RhoScale)
	require.Equal(t, 0.35, c3.Config.Process.StepThr) // untouched default

	typo := filepath.Join(tmp, "typo.json")
	require.NoError(t, os.WriteFile(typo, []byte(`{"hiden": 32}`), 0o644))
	code, _, errs = runCLI("init", "--preset", "tiny", "--config", typo, "--out", filepath.Join(tmp, "d"))
	requireOneLineError(t, 1, code, errs, "init", `unknown field "hiden"`)
	bad := filepath.Join(tmp, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"heads": 5}`), 0o644))
	code, _, errs = runCLI("init", "--preset", "tiny", "--config", bad, "--out", filepath.Join(tmp, "e"))
	requireOneLineError(t, 1, code, errs, "init", "heads 5")
	badProc := filepath.Join(tmp, "badproc.json")
	require.NoError(t, os.WriteFile(badProc, []byte(`{"process": {"rho_formula": "exakt"}}`), 0o644))
	code, _, errs = runCLI("init", "--preset", "tiny", "--config", badProc, "--out", filepath.Join(tmp, "f"))
	requireOneLineError(t, 1, code, errs, "init", "process.rho_formula", "exakt")
	_, err = os.Stat(filepath.Join(tmp, "f"))
	require.True(t, os.IsNotExist(err), "a refused init creates nothing")
}

func TestInitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	precious := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(precious, []byte("keep me"), 0o644))
	code, _, errs := runCLI("init", "--preset", "tiny", "--out", dir)
	requireOneLineError(t, 1, code, errs, "init", "not empty", "--force")
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, es, 1)

	code, _, errs = runCLI("init", "--preset", "tiny", "--out", dir, "--force")
	require.Equal(t, 0, code, errs)
	b, err := os.ReadFile(precious)
	require.NoError(t, err)
	require.Equal(t, "keep me", string(b))
	_, err = ckpt.Load(dir)
	require.NoError(t, err)

	code, _, errs = runCLI("init", "--preset", "tiny", "--out", precious)
	requireOneLineError(t, 1, code, errs, "init", "not a folder")
}

func TestInitUsageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x")
	code, _, errs := runCLI("init", "--out", out)
	requireOneLineError(t, 2, code, errs, "init", "--preset")
	code, _, errs = runCLI("init", "--preset", "tiny")
	requireOneLineError(t, 2, code, errs, "init", "--out")
	code, _, errs = runCLI("init", "--preset", "huge", "--out", out)
	requireOneLineError(t, 2, code, errs, "init", `unknown preset "huge"`)
	code, _, errs = runCLI("init", "--preset", "tiny", "--out", out, "--config", filepath.Join(out, "missing.json"))
	requireOneLineError(t, 1, code, errs, "init", "missing.json")
}

// A config asking for an absurd model is refused by name before any
// parameter is allocated, and a config that is not a small regular file is
// refused before it is read.
func TestInitRefusesAbsurdConfigs(t *testing.T) {
	tmp := t.TempDir()
	for i, c := range []struct{ json, want string }{
		{`{"hidden": 1099511627776, "heads": 4}`, "model.MaxHidden"},
		{`{"blocks": 1000000000}`, "model.MaxBlocks"},
		{`{"cond": 1000000000}`, "model.MaxCond"},
		{`{"length": 1000000000}`, "model.MaxLength"},
		{`{"vocab": 1000000000}`, "model.MaxVocab"},
		{`{"heads": 1024, "hidden": 4096}`, "model.MaxHeads"},
		{`{"hidden": 16384, "blocks": 1024}`, "model.MaxParams"},
		{`{"process": {"sample_steps": 1000000000}}`, "walk.MaxSteps"},
	} {
		p := filepath.Join(tmp, fmt.Sprintf("c%d.json", i))
		require.NoError(t, os.WriteFile(p, []byte(c.json), 0o644))
		code, _, errs := runCLI("init", "--preset", "tiny", "--config", p, "--out", filepath.Join(tmp, fmt.Sprintf("o%d", i)))
		requireOneLineError(t, 1, code, errs, "init", c.want)
	}
	code, _, errs := runCLI("init", "--config", "/dev/zero", "--out", filepath.Join(tmp, "z"))
	requireOneLineError(t, 1, code, errs, "init", "/dev/zero", "not a regular file")
}

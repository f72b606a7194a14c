package ckpt

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rdlm-go/rdlm/core/safetensors"
	"github.com/stretchr/testify/require"
)

// allocatedBy is the bytes f allocates.
func allocatedBy(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// A config.json edited to ask for a huge model, its weights untouched (so
// their checksum still matches), is refused with an error naming the field,
// before anything the size of the claim is allocated: by the limits when
// the value is absurd, by the tensor shapes when the weights show it, and
// by the config saved inside the weights when nothing else can (length,
// heads, the process).
func TestLoadRefusesAConfigTheWeightsDoNotImply(t *testing.T) {
	model := func(k string, v any) func(m map[string]any) {
		return func(m map[string]any) { m["model"].(map[string]any)[k] = v }
	}
	cases := []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"hidden absurd", model("hidden", 1<<40), "model.MaxHidden"},
		{"cond absurd", model("cond", 1<<40), "model.MaxCond"},
		{"blocks absurd", model("blocks", 1<<40), "model.MaxBlocks"},
		{"length absurd", model("length", 1<<40), "model.MaxLength"},
		{"parameters absurd", func(m map[string]any) {
			m["model"].(map[string]any)["hidden"] = 1 << 14
			m["model"].(map[string]any)["blocks"] = 1 << 10
		}, "model.MaxParams"},
		{"hidden larger", model("hidden", 4096), `"vocab_embed.embedding.weight" has shape [16 27], the config needs [4096 27]`},
		{"cond larger", model("cond", 4096), `"sigma_map.mlp.0.weight" has shape [8 256], the config needs [4096 256]`},
		{"blocks more", model("blocks", 3), `missing tensor "blocks.2.norm1.weight"`},
		{"blocks many more", model("blocks", 1000), "model.blocks is 1000, but the file holds 31 tensors in all"},
		{"blocks fewer", model("blocks", 1), `unexpected tensor "blocks.1.adaLN_modulation.bias" (10 not in the model config)`},
		{"length longer", model("length", 16384), "model.length 16384 (saved 8)"},
		{"heads", model("heads", 4), "model.heads 4 (saved 2)"},
		{"sample steps", func(m map[string]any) { m["process"].(map[string]any)["sample_steps"] = 1 << 30 }, "walk.MaxSteps"},
		{"step_thr", func(m map[string]any) { m["process"].(map[string]any)["step_thr"] = 0.5 }, "process.step_thr 0.5 (saved 0.35)"},
		{"step", func(m map[string]any) { m["step"] = 99 }, "step 99 (saved 1234)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := saved(t, DTypeF32)
			editConfig(t, dir, tc.edit)
			var err error
			n := allocatedBy(func() { _, err = Load(dir) })
			require.ErrorContains(t, err, tc.want)
			require.Less(t, n, uint64(1<<20), "bytes allocated before the refusal")
			cfg, err := os.ReadFile(filepath.Join(dir, ConfigFile))
			require.NoError(t, err)
			w, err := os.ReadFile(filepath.Join(dir, WeightsFile))
			require.NoError(t, err)
			_, err = FromBytes(cfg, w)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// Weights saved before the config went into their metadata (the built-in
// models') still load: their shapes are checked, and the checksum.
func TestLoadReadsWeightsWithoutSavedConfig(t *testing.T) {
	dir, c := saved(t, DTypeF32)
	rewriteWeights(t, dir, func(ts []safetensors.Tensor) []safetensors.Tensor { return ts }) // no metadata
	f, err := safetensors.ReadFile(filepath.Join(dir, WeightsFile))
	require.NoError(t, err)
	require.NotContains(t, f.Metadata, SavedConfigKey)
	b, err := os.ReadFile(filepath.Join(dir, WeightsFile))
	require.NoError(t, err)
	editConfig(t, dir, func(m map[string]any) { m["weights_sha256"] = sha256Hex(b) })
	got, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, c.Params.Flat, got.Params.Flat)
}

// A saved checkpoint carries its config in the weights' metadata, and a
// folder given as a device or a huge file is refused without reading it.
func TestSaveRecordsTheConfigAndLoadReadsThroughALimit(t *testing.T) {
	dir, c := saved(t, DTypeF16)
	f, err := safetensors.ReadFile(filepath.Join(dir, WeightsFile))
	require.NoError(t, err)
	require.Contains(t, f.Metadata[SavedConfigKey], `"step":1234`)
	require.NotContains(t, f.Metadata[SavedConfigKey], c.Config.WeightsSHA256)

	if runtime.GOOS == "windows" {
		return
	}
	for _, name := range []string{ConfigFile, WeightsFile} {
		d, _ := saved(t, DTypeF32)
		require.NoError(t, os.Remove(filepath.Join(d, name)))
		require.NoError(t, os.Symlink("/dev/zero", filepath.Join(d, name)))
		_, err := Load(d)
		require.ErrorContains(t, err, "not a regular file", name)
	}
}

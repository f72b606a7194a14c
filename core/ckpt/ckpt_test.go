package ckpt

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/safetensors"
	"github.com/stretchr/testify/require"
)

// testModel is small enough that a save-load cycle takes a millisecond.
var testModel = model.Config{Vocab: 27, Length: 8, Hidden: 16, Heads: 2, Blocks: 2, Cond: 8}

// newCheckpoint has random non-zero weights everywhere, modulation included,
// so that a tensor lost or swapped in transit changes the values.
func newCheckpoint(t *testing.T, seed uint64, dtype string) *Checkpoint {
	p := model.NewParams[float32](testModel)
	p.Init(seed, false)
	return &Checkpoint{
		Config: Config{Model: testModel, Process: DefaultProcess(), Step: 1234, DType: dtype},
		Params: p,
	}
}

func saved(t *testing.T, dtype string) (string, *Checkpoint) {
	dir := filepath.Join(t.TempDir(), "ck")
	c := newCheckpoint(t, 7, dtype)
	require.NoError(t, Save(dir, c))
	return dir, c
}

func TestRoundTripF32IsExact(t *testing.T) {
	dir, c := saved(t, DTypeF32)
	require.Equal(t, FormatVersion, c.Config.Format)
	require.Len(t, c.Config.WeightsSHA256, 64)
	got, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, c.Config, got.Config)
	require.Equal(t, c.Params.Flat, got.Params.Flat)
	require.Equal(t, c.Params.OutW, got.Params.OutW) // named views point into the loaded block
}

// f16 keeps 11 significant bits: each weight comes back within half an ulp,
// |x - y| <= 2^-11 |x| (plus 2^-25 for subnormals), and not all exactly.
func TestRoundTripF16WithinRounding(t *testing.T) {
	dir, c := saved(t, DTypeF16)
	f, err := safetensors.ReadFile(filepath.Join(dir, WeightsFile))
	require.NoError(t, err)
	for _, tt := range f.Tensors {
		require.Equal(t, safetensors.F16, tt.DType, tt.Name)
	}
	got, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, DTypeF16, got.Config.DType)
	changed := 0
	for i, x := range c.Params.Flat {
		y := got.Params.Flat[i]
		require.InDelta(t, x, y, math.Abs(float64(x))/2048+1.0/(1<<25), "weight %d", i)
		if x != y {
			changed++
		}
	}
	require.Greater(t, changed, len(c.Params.Flat)/2, "f16 storage should round most weights")
}

// rewriteWeights re-encodes model.safetensors after mutate has edited its
// tensors, leaving config.json (and its checksum) as it was.
func rewriteWeights(t *testing.T, dir string, mutate func([]safetensors.Tensor) []safetensors.Tensor) {
	path := filepath.Join(dir, WeightsFile)
	f, err := safetensors.ReadFile(path)
	require.NoError(t, err)
	var ts []safetensors.Tensor
	for _, name := range f.Order {
		tt := *f.Tensors[name]
		tt.Data = append([]byte(nil), tt.Data...)
		ts = append(ts, tt)
	}
	require.NoError(t, safetensors.WriteFile(path, mutate(ts), nil))
}

func editBytes(t *testing.T, path string, edit func([]byte) []byte) {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, edit(b), 0o644))
}

func editConfig(t *testing.T, dir string, edit func(map[string]any)) {
	path := filepath.Join(dir, ConfigFile)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	edit(m)
	b, err = json.Marshal(m)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// Every kind of damage is refused with an error naming the place at fault.
func TestLoadNamesTheProblem(t *testing.T) {
	specs := testModel.Specs()
	last := specs[len(specs)-1].Name
	nan := float32(math.NaN())
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   []string
	}{
		{"truncated weights", func(t *testing.T, dir string) {
			editBytes(t, filepath.Join(dir, WeightsFile), func(b []byte) []byte { return b[:len(b)-6] })
		}, []string{last, "truncated"}},
		{"shorter than a header", func(t *testing.T, dir string) {
			editBytes(t, filepath.Join(dir, WeightsFile), func(b []byte) []byte { return b[:5] })
		}, []string{"5 bytes"}},
		{"flipped header byte", func(t *testing.T, dir string) {
			editBytes(t, filepath.Join(dir, WeightsFile), func(b []byte) []byte { b[8] ^= 0xff; return b })
		}, []string{"header (bytes 8.."}},
		{"huge header length", func(t *testing.T, dir string) {
			editBytes(t, filepath.Join(dir, WeightsFile), func(b []byte) []byte { b[5] = 0x7f; return b })
		}, []string{"header length"}},
		{"changed shape", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(ts []safetensors.Tensor) []safetensors.Tensor {
				for i := range ts {
					if ts[i].Name == "blocks.1.attn_qkv.weight" {
						ts[i].Shape = []int{16, 48} // transposed
					}
				}
				return ts
			})
		}, []string{`"blocks.1.attn_qkv.weight" has shape [16 48]`, "[48 16]"}},
		{"dropped tensor", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(ts []safetensors.Tensor) []safetensors.Tensor {
				out := ts[:0]
				for _, x := range ts {
					if x.Name != "blocks.0.mlp.2.bias" {
						out = append(out, x)
					}
				}
				return out
			})
		}, []string{`missing tensor "blocks.0.mlp.2.bias"`}},
		{"stray tensor", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(ts []safetensors.Tensor) []safetensors.Tensor {
				x, err := safetensors.FromFloat32("blocks.2.norm1.weight", safetensors.F32, []int{16}, make([]float32, 16))
				require.NoError(t, err)
				return append(ts, x)
			})
		}, []string{`unexpected tensor "blocks.2.norm1.weight"`}},
		{"integer dtype", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(ts []safetensors.Tensor) []safetensors.Tensor {
				for i := range ts {
					if ts[i].Name == "sigma_map.mlp.0.bias" { // 8 F32 = 4 I64 elements of the same bytes
						ts[i].DType, ts[i].Shape = safetensors.I64, []int{4}
					}
				}
				return ts
			})
		}, []string{`"sigma_map.mlp.0.bias" has dtype I64`}},
		{"NaN weight", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(ts []safetensors.Tensor) []safetensors.Tensor {
				for i := range ts {
					if ts[i].Name == "output_layer.linear.weight" {
						v, err := ts[i].Float32()
						require.NoError(t, err)
						v[5] = nan
						ts[i], err = safetensors.FromFloat32(ts[i].Name, safetensors.F32, ts[i].Shape, v)
						require.NoError(t, err)
					}
				}
				return ts
			})
		}, []string{`"output_layer.linear.weight" element 5 is NaN`}},
		{"flipped weight bit", func(t *testing.T, dir string) {
			// The lowest mantissa bit of the last weight: still finite and in
			// shape, only the checksum can see it.
			editBytes(t, filepath.Join(dir, WeightsFile), func(b []byte) []byte { b[len(b)-4] ^= 1; return b })
		}, []string{"sha256", "does not match"}},
		{"weights of another checkpoint", func(t *testing.T, dir string) {
			other := filepath.Join(t.TempDir(), "other")
			require.NoError(t, Save(other, newCheckpoint(t, 8, DTypeF32)))
			b, err := os.ReadFile(filepath.Join(other, WeightsFile))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, WeightsFile), b, 0o644))
		}, []string{"sha256", "weights_sha256"}},
		{"missing weights", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, WeightsFile)))
		}, []string{WeightsFile}},
		{"missing config", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, ConfigFile)))
		}, []string{ConfigFile}},
		{"config not JSON", func(t *testing.T, dir string) {
			editBytes(t, filepath.Join(dir, ConfigFile), func(b []byte) []byte { return b[:len(b)/2] })
		}, []string{ConfigFile}},
		{"misspelt config field", func(t *testing.T, dir string) {
			editConfig(t, dir, func(m map[string]any) { m["proces"] = m["process"] })
		}, []string{`unknown field "proces"`}},
		{"config shape mismatch", func(t *testing.T, dir string) {
			editConfig(t, dir, func(m map[string]any) { m["model"].(map[string]any)["hidden"] = 32 })
		}, []string{`"vocab_embed.embedding.weight" has shape [16 27]`, "[32 27]"}},
		{"bad rho formula", func(t *testing.T, dir string) {
			editConfig(t, dir, func(m map[string]any) { m["process"].(map[string]any)["rho_formula"] = "approx" })
		}, []string{"process.rho_formula", "approx"}},
		{"vocab mismatch", func(t *testing.T, dir string) {
			editConfig(t, dir, func(m map[string]any) { m["model"].(map[string]any)["vocab"] = 28 })
		}, []string{"model.vocab is 28", "text8"}},
		{"invalid model", func(t *testing.T, dir string) {
			editConfig(t, dir, func(m map[string]any) { m["model"].(map[string]any)["heads"] = 3 })
		}, []string{"heads 3"}},
		{"future format", func(t *testing.T, dir string) {
			editConfig(t, dir, func(m map[string]any) { m["format"] = 2 })
		}, []string{"format 2"}},
		{"bad checksum field", func(t *testing.T, dir string) {
			editConfig(t, dir, func(m map[string]any) { m["weights_sha256"] = "abc" })
		}, []string{"weights_sha256", `"abc"`}},
		{"not a folder", func(t *testing.T, dir string) {
			require.NoError(t, os.RemoveAll(dir))
			require.NoError(t, os.WriteFile(dir, []byte("x"), 0o644))
		}, []string{"not a folder"}},
		{"no such folder", func(t *testing.T, dir string) {
			require.NoError(t, os.RemoveAll(dir))
		}, []string{"no such file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := saved(t, DTypeF32)
			tc.damage(t, dir)
			_, err := Load(dir)
			require.Error(t, err)
			t.Log(err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

// BF16 weights (a converted checkpoint) load, within bf16 rounding.
func TestLoadAcceptsBF16(t *testing.T) {
	dir, c := saved(t, DTypeF32)
	rewriteWeights(t, dir, func(ts []safetensors.Tensor) []safetensors.Tensor {
		for i := range ts {
			src := ts[i].Data
			dst := make([]byte, len(src)/2)
			for j := 0; j < len(dst); j += 2 { // truncate each float32 to its top 16 bits
				dst[j], dst[j+1] = src[2*j+2], src[2*j+3]
			}
			ts[i].DType, ts[i].Data = safetensors.BF16, dst
		}
		return ts
	})
	b, err := os.ReadFile(filepath.Join(dir, WeightsFile))
	require.NoError(t, err)
	sum := sha256Hex(b)
	editConfig(t, dir, func(m map[string]any) { m["weights_sha256"] = sum; m["dtype"] = DTypeBF16 })
	got, err := Load(dir)
	require.NoError(t, err)
	for i, x := range c.Params.Flat {
		require.InDelta(t, x, got.Params.Flat[i], math.Abs(float64(x))/128, "weight %d", i) // 8 bits kept
	}
}

func listDir(t *testing.T, dir string) []string {
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// A refused save leaves the user's checkpoint byte for byte as it was, with
// no temporary files behind.
func TestFailedSaveKeepsExistingCheckpoint(t *testing.T) {
	dir, _ := saved(t, DTypeF32)
	before := map[string][]byte{}
	for _, n := range []string{ConfigFile, WeightsFile} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		before[n] = b
	}
	bad := []struct {
		name string
		edit func(c *Checkpoint)
		want string
	}{
		{"NaN weight", func(c *Checkpoint) { c.Params.View("blocks.1.mlp.0.bias")[3] = float32(math.NaN()) }, `"blocks.1.mlp.0.bias" element 3`},
		{"f16 overflow", func(c *Checkpoint) { c.Config.DType = DTypeF16; c.Params.OutB[0] = 1e6 }, "float16 range"},
		{"bf16 write", func(c *Checkpoint) { c.Config.DType = DTypeBF16 }, "cannot write dtype"},
		{"bad process", func(c *Checkpoint) { c.Config.Process.StepThr = 1.5 }, "process.step_thr"},
		{"wrong parameter count", func(c *Checkpoint) { c.Config.Model.Blocks = 3 }, "needs"},
		{"no parameters", func(c *Checkpoint) { c.Params = nil }, "no parameters"},
	}
	for _, b := range bad {
		c := newCheckpoint(t, 9, DTypeF32)
		b.edit(c)
		err := Save(dir, c)
		require.ErrorContains(t, err, b.want, b.name)
		for n, want := range before {
			got, err := os.ReadFile(filepath.Join(dir, n))
			require.NoError(t, err)
			require.Equal(t, want, got, "%s: %s changed", b.name, n)
		}
		require.ElementsMatch(t, []string{ConfigFile, WeightsFile}, listDir(t, dir), b.name)
	}
	_, err := Load(dir)
	require.NoError(t, err)
}

// Saving over an existing checkpoint replaces it completely.
func TestSaveOverwrites(t *testing.T) {
	dir, _ := saved(t, DTypeF32)
	c2 := newCheckpoint(t, 11, DTypeF16)
	require.NoError(t, Save(dir, c2))
	got, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, c2.Config, got.Config)
	require.Equal(t, DTypeF16, got.Config.DType)
	require.ElementsMatch(t, []string{ConfigFile, WeightsFile}, listDir(t, dir))
}

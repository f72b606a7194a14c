package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/safetensors"
	"github.com/rdlm-go/rdlm/internal/refdata"
	"github.com/stretchr/testify/require"
)

type namedTensor struct {
	name  string
	shape []int
	v     []float32
}

func writeTensors(t *testing.T, path string, ts ...namedTensor) {
	var out []safetensors.Tensor
	for _, nt := range ts {
		x, err := safetensors.FromFloat32(nt.name, safetensors.F32, nt.shape, nt.v)
		require.NoError(t, err)
		out = append(out, x)
	}
	require.NoError(t, safetensors.WriteFile(path, out, nil))
}

func readTensor(t *testing.T, path, name string) ([]int, []float32) {
	f, err := safetensors.ReadFile(path)
	require.NoError(t, err)
	x, err := f.Get(name)
	require.NoError(t, err)
	require.Equal(t, safetensors.DType("F32"), x.DType)
	v, err := x.Float32()
	require.NoError(t, err)
	return x.Shape, v
}

// spherePoints draws b*l unit vectors in R^(k+1) and drops the last (mask)
// coordinate, like the x_t the network sees.
func spherePoints(seed uint64, b, l, k int) []float32 {
	st := rng.NewStream(seed, 0)
	x := make([]float32, 0, b*l*k)
	row := make([]float64, k+1)
	for i := 0; i < b*l; i++ {
		st.Normals(row)
		var n float64
		for _, v := range row {
			n += v * v
		}
		for _, v := range row[:k] {
			x = append(x, float32(v/math.Sqrt(n)))
		}
	}
	return x
}

func initTiny(t *testing.T, extra ...string) string {
	dir := filepath.Join(t.TempDir(), "model")
	code, _, errs := runCLI(append([]string{"init", "--preset", "tiny", "--seed", "5", "--out", dir}, extra...)...)
	require.Equal(t, 0, code, errs)
	return dir
}

// With zero-init every block is the identity and the output layer is zero,
// so the logits are exactly 0.
func TestForwardZeroInitGivesZeroLogits(t *testing.T) {
	dir := initTiny(t)
	tmp := t.TempDir()
	in, out := filepath.Join(tmp, "in.safetensors"), filepath.Join(tmp, "out.safetensors")
	const B, L, K = 3, 8, 27
	writeTensors(t, in, namedTensor{"x", []int{B, L, K}, spherePoints(1, B, L, K)}, namedTensor{"t", []int{B}, []float32{0.1, 0.5, 0.9}})
	code, stdout, errs := runCLI("forward", "--model", dir, "--input", in, "--out", out, "--json")
	require.Equal(t, 0, code, errs)
	require.Contains(t, stdout, `"shape":[3,8,27]`)
	shape, logits := readTensor(t, out, "logits")
	require.Equal(t, []int{B, L, K}, shape)
	require.Equal(t, make([]float32, B*L*K), logits)
}

// With random modulation and output layers the logits are non-zero and are
// those of the model called directly on the loaded checkpoint.
func TestForwardMatchesModel(t *testing.T) {
	dir := initTiny(t, "--no-zero-init")
	tmp := t.TempDir()
	in, out := filepath.Join(tmp, "in.safetensors"), filepath.Join(tmp, "out.safetensors")
	const B, L, K = 2, 16, 27
	x, tt := spherePoints(2, B, L, K), []float32{0.3, 0.8}
	writeTensors(t, in, namedTensor{"x", []int{B, L, K}, x}, namedTensor{"t", []int{B}, tt})
	code, _, errs := runCLI("forward", "--model", dir, "--input", in, "--out", out)
	require.Equal(t, 0, code, errs)
	_, logits := readTensor(t, out, "logits")

	c, err := ckpt.Load(dir)
	require.NoError(t, err)
	net, err := model.NewInference(c.Params, B, L)
	require.NoError(t, err)
	want := make([]float32, B*L*K)
	require.NoError(t, net.Forward(want, x, tt))
	var maxAbs float64
	for _, v := range want {
		maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
	}
	require.Greater(t, maxAbs, 0.1, "random output layers should give visible logits")
	for i := range want {
		require.InDelta(t, want[i], logits[i], 1e-6*maxAbs, "logit %d", i)
	}
}

// The reference implementation's tiny DiT, put into a checkpoint folder and
// run through the CLI, reproduces the reference logits.
func TestForwardReproducesReferenceLogits(t *testing.T) {
	ref, err := safetensors.Read(refdata.DiTTinyState())
	require.NoError(t, err)
	mc := model.Config{Vocab: 27, Length: 32, Hidden: 64, Heads: 4, Blocks: 2, Cond: 128}
	p := model.NewParams[float32](mc)
	for _, s := range mc.Specs() {
		tn, err := ref.Get(s.Name)
		require.NoError(t, err)
		require.Equal(t, s.Shape, tn.Shape, s.Name)
		require.NoError(t, tn.DecodeInto(p.View(s.Name)))
	}
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "ref")
	require.NoError(t, ckpt.Save(dir, &ckpt.Checkpoint{Config: ckpt.Config{Model: mc, Process: ckpt.DefaultProcess()}, Params: p}))

	get := func(name string) namedTensor {
		tn, err := ref.Get(name)
		require.NoError(t, err)
		v, err := tn.Float32()
		require.NoError(t, err)
		return namedTensor{name, tn.Shape, v}
	}
	x, tt, want := get("input.x"), get("input.t"), get("output.logits")
	x.name, tt.name = "x", "t"
	in, out := filepath.Join(tmp, "in.safetensors"), filepath.Join(tmp, "logits.safetensors")
	writeTensors(t, in, x, tt)
	code, _, errs := runCLI("forward", "--model", dir, "--input", in, "--out", out)
	require.Equal(t, 0, code, errs)
	shape, logits := readTensor(t, out, "logits")
	require.Equal(t, want.shape, shape)
	var maxAbs, maxErr float64
	for i, w := range want.v {
		maxAbs = math.Max(maxAbs, math.Abs(float64(w)))
		maxErr = math.Max(maxErr, math.Abs(float64(logits[i])-float64(w)))
	}
	t.Logf("max |logit| %.4g, max error %.3g (%.3g relative)", maxAbs, maxErr, maxErr/maxAbs)
	require.Greater(t, maxAbs, 0.1)
	require.Less(t, maxErr/maxAbs, 2e-6)
}

// Bad input gets a one-line error naming the problem, and no output file.
func TestForwardBadInput(t *testing.T) {
	dir := initTiny(t)
	tmp := t.TempDir()
	const B, L, K = 2, 4, 27
	good := []namedTensor{{"x", []int{B, L, K}, spherePoints(3, B, L, K)}, {"t", []int{B}, []float32{0.2, 0.4}}}
	nanX := append([]float32(nil), good[0].v...)
	nanX[7] = float32(math.NaN())
	huge := make([]float32, B*L*K)
	for i := range huge {
		huge[i] = 3e38
	}
	cases := []struct {
		name    string
		tensors []namedTensor
		want    []string
	}{
		{"missing x", good[1:], []string{`missing tensor "x"`}},
		{"missing t", good[:1], []string{`missing tensor "t"`}},
		{"wrong K", []namedTensor{{"x", []int{B, L, 28}, make([]float32, B*L*28)}, good[1]}, []string{`"x" has 28 values per position`, "K = 27"}},
		{"x not 3-D", []namedTensor{{"x", []int{B * L, K}, good[0].v}, good[1]}, []string{`"x" has shape [8 27]`, "(B, L, 27)"}},
		{"t wrong length", []namedTensor{good[0], {"t", []int{3}, []float32{0.1, 0.2, 0.3}}}, []string{`"t" has shape [3]`, "want (2)"}},
		{"NaN in x", []namedTensor{{"x", good[0].shape, nanX}, good[1]}, []string{`"x" element 7 is NaN`}},
		{"t = 1", []namedTensor{good[0], {"t", []int{B}, []float32{0.5, 1}}}, []string{"t[1] = 1 is outside [0, 1)"}},
		// Finite, and all NaN logits: the same refusal as sample's.
		{"x off the sphere", []namedTensor{{"x", good[0].shape, huge}, good[1]}, []string{`"x" at sequence 0, position 0`, "not a point of the unit sphere"}},
		{"longer than the model", []namedTensor{{"x", []int{1, 33, K}, spherePoints(4, 1, 33, K)}, {"t", []int{1}, []float32{0.5}}},
			[]string{`"x" has length 33, longer than the model's 32 positions`}},
	}
	for _, tc := range cases {
		in := filepath.Join(tmp, "in.safetensors")
		out := filepath.Join(tmp, "out.safetensors")
		writeTensors(t, in, tc.tensors...)
		code, _, errs := runCLI("forward", "--model", dir, "--input", in, "--out", out)
		requireOneLineError(t, 1, code, errs, "forward", tc.want...)
		_, err := os.Stat(out)
		require.True(t, os.IsNotExist(err), "%s: no output on error", tc.name)
	}

	in := filepath.Join(tmp, "in.safetensors")
	writeTensors(t, in, good...)
	out := filepath.Join(tmp, "out.safetensors")
	code, _, errs := runCLI("forward", "--model", filepath.Join(tmp, "nowhere"), "--input", in, "--out", out)
	requireOneLineError(t, 1, code, errs, "forward", "nowhere", "no such checkpoint folder")
	code, _, errs = runCLI("forward", "--model", dir, "--input", filepath.Join(tmp, "absent.safetensors"), "--out", out)
	requireOneLineError(t, 1, code, errs, "forward", "absent.safetensors")
	code, _, errs = runCLI("forward", "--model", dir, "--input", "/dev/zero", "--out", out)
	requireOneLineError(t, 1, code, errs, "forward", "/dev/zero", "not a regular file")
	notST := filepath.Join(tmp, "junk.safetensors")
	require.NoError(t, os.WriteFile(notST, []byte("hello world, not tensors"), 0o644))
	code, _, errs = runCLI("forward", "--model", dir, "--input", notST, "--out", out)
	requireOneLineError(t, 1, code, errs, "forward", "junk.safetensors", "header length")
	code, _, errs = runCLI("forward", "--model", dir, "--input", in, "--out", filepath.Join(tmp, "no", "dir", "out.safetensors"))
	requireOneLineError(t, 1, code, errs, "forward", "no such file")
	code, _, errs = runCLI("forward", "--model", dir, "--input", in)
	requireOneLineError(t, 2, code, errs, "forward", "--out")
	code, _, errs = runCLI("forward", "--model", dir, "--out", out)
	requireOneLineError(t, 2, code, errs, "forward", "--input")
}

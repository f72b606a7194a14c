package optim

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rdlm-go/rdlm/core/safetensors"
	"github.com/stretchr/testify/require"
)

func trainSome(t *testing.T, opt *AdamW, ema *EMA, p []float32, from, to int) {
	g := make([]float32, len(p))
	for s := from; s < to; s++ {
		for i := range g {
			g[i] = float32((i*7+s*3)%11) - 5 + p[i]
		}
		ClipGlobalNorm(g, 1)
		opt.Update(p, g)
		ema.Update(p)
	}
}

func newState(t *testing.T, p []float32) (*AdamW, *EMA) {
	opt, err := NewAdamW(len(p), AdamWConfig{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Warmup: 5})
	require.NoError(t, err)
	ema, err := NewEMA(p, 0.99)
	require.NoError(t, err)
	return opt, ema
}

// Saving after 7 steps and resuming gives bit-for-bit the weights of an
// uninterrupted 15-step run.
func TestStateResumeIsExact(t *testing.T) {
	const n = 33
	pA := make([]float32, n)
	for i := range pA {
		pA[i] = float32(i) / n
	}
	pB := append([]float32(nil), pA...)
	optA, emaA := newState(t, pA)
	trainSome(t, optA, emaA, pA, 0, 15)

	optB, emaB := newState(t, pB)
	trainSome(t, optB, emaB, pB, 0, 7)
	path := filepath.Join(t.TempDir(), StateFile)
	require.NoError(t, SaveState(path, pB, optB, emaB))

	// Resume into fresh buffers, as a new process would.
	pB = make([]float32, n)
	optC, emaC := newState(t, pB)
	require.NoError(t, LoadState(path, pB, optC, emaC))
	require.Equal(t, 7, optC.Step)
	require.Equal(t, 7, emaC.Updates)
	trainSome(t, optC, emaC, pB, 7, 15)
	require.Equal(t, pA, pB)
	require.Equal(t, optA.M, optC.M)
	require.Equal(t, optA.V, optC.V)
	require.Equal(t, emaA.Shadow, emaC.Shadow)
}

func TestLoadStateErrorsLeaveStateAlone(t *testing.T) {
	dir := t.TempDir()
	p := []float32{1, 2, 3}
	opt, ema := newState(t, p)
	trainSome(t, opt, ema, p, 0, 3)
	good := filepath.Join(dir, "good.safetensors")
	require.NoError(t, SaveState(good, p, opt, ema))
	f, err := safetensors.ReadFile(good)
	require.NoError(t, err)

	write := func(name string, mutate func(ts map[string][]float32, meta map[string]string)) string {
		ts := map[string][]float32{}
		for _, k := range f.Order {
			ts[k], err = f.Tensors[k].Float32()
			require.NoError(t, err)
		}
		meta := map[string]string{}
		for k, v := range f.Metadata {
			meta[k] = v
		}
		mutate(ts, meta)
		var out []safetensors.Tensor
		for k, v := range ts {
			tt, err := safetensors.FromFloat32(k, safetensors.F32, []int{len(v)}, v)
			require.NoError(t, err)
			out = append(out, tt)
		}
		path := filepath.Join(dir, name)
		require.NoError(t, safetensors.WriteFile(path, out, meta))
		return path
	}
	nan := float32(0)
	nan /= nan
	cases := []struct {
		path, want string
	}{
		{write("short.safetensors", func(ts map[string][]float32, _ map[string]string) { ts[tensorV] = ts[tensorV][:2] }), `"adamw.v" has shape [2]`},
		{write("nan.safetensors", func(ts map[string][]float32, _ map[string]string) { ts[tensorShadow][1] = nan }), `"ema.shadow" element 1`},
		{write("nanp.safetensors", func(ts map[string][]float32, _ map[string]string) { ts[tensorParams][0] = nan }), `"params" element 0`},
		{write("negv.safetensors", func(ts map[string][]float32, _ map[string]string) { ts[tensorV][2] = -1 }), `"adamw.v" element 2`},
		{write("missing.safetensors", func(ts map[string][]float32, _ map[string]string) { delete(ts, tensorM) }), `missing tensor "adamw.m"`},
		{write("stray.safetensors", func(ts map[string][]float32, _ map[string]string) { ts["extra"] = []float32{1} }), `unexpected tensor "extra"`},
		{write("format.safetensors", func(_ map[string][]float32, m map[string]string) { m["format"] = "other" }), `format "other"`},
		{write("step.safetensors", func(_ map[string][]float32, m map[string]string) { m["adamw_step"] = "x" }), `"adamw_step"`},
		{filepath.Join(dir, "absent.safetensors"), "absent.safetensors"},
	}
	for _, tc := range cases {
		q := []float32{1, 2, 3}
		o2, e2 := newState(t, q)
		trainSome(t, o2, e2, q, 0, 2)
		q0 := append([]float32(nil), q...)
		m, v, s := append([]float32(nil), o2.M...), append([]float32(nil), o2.V...), append([]float32(nil), e2.Shadow...)
		err := LoadState(tc.path, q, o2, e2)
		require.ErrorContains(t, err, tc.want, tc.path)
		require.Equal(t, q0, q)
		require.Equal(t, m, o2.M)
		require.Equal(t, v, o2.V)
		require.Equal(t, s, e2.Shadow)
		require.Equal(t, 2, o2.Step)
		require.Equal(t, 2, e2.Updates)
	}

	// A state for another model size is refused.
	q := make([]float32, 4)
	o4, e4 := newState(t, q)
	require.ErrorContains(t, LoadState(good, q, o4, e4), "3]")
	require.ErrorContains(t, LoadState(good, q[:3], o4, e4), "3 weights")
	require.ErrorContains(t, SaveState(good, q[:3], o4, e4), "3 weights")

	// A truncated file names the tensor whose bytes are missing.
	b, err := os.ReadFile(good)
	require.NoError(t, err)
	trunc := filepath.Join(dir, "trunc.safetensors")
	require.NoError(t, os.WriteFile(trunc, b[:len(b)-4], 0o644))
	require.ErrorContains(t, LoadState(trunc, p, opt, ema), "truncated")
}

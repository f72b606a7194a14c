package gpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/sphere"
	"github.com/stretchr/testify/require"
)

// tinyParams is the tiny preset with every layer random (no zero init), so
// that every path of the network carries signal.
func tinyParams(t testing.TB) *model.Params[float32] {
	c, err := model.Preset("tiny")
	require.NoError(t, err)
	p := model.NewParams[float32](c)
	p.Init(7, false)
	return p
}

// randomSpherePoints fills x (rows, K) with sphere points of V = K+1
// coordinates, mask coordinate dropped, as the walk feeds the network.
func randomSpherePoints(r *rand.Rand, rows, K int) []float32 {
	x := make([]float32, rows*K)
	row := make([]float32, K+1)
	for i := 0; i < rows; i++ {
		for j := range row {
			row[j] = float32(math.Abs(r.NormFloat64()))
		}
		sphere.Normalize(row, row)
		copy(x[i*K:], row[:K])
	}
	return x
}

// relErr is max |a-b| / max |b|: the error relative to the tensor's scale.
func relErr(a, b []float32) float64 {
	var d, s float64
	for i := range b {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
		s = max(s, math.Abs(float64(b[i])))
	}
	return d / s
}

// TestForwardMatchesCPU runs the whole tiny network on the device and on the
// CPU reference (model.Inference) on random sphere points and times. Bound:
// 1e-4 relative to the logits' scale (f32 with different summation orders
// and the device's exp/sin/cos; observed about 1e-6).
func TestForwardMatchesCPU(t *testing.T) {
	d := testDriver(t)
	p := tinyParams(t)
	B, L, K := 2, p.Cfg.Length, p.Cfg.Vocab
	e, err := NewEngine(d, p, B, L)
	require.NoError(t, err)
	t.Logf("kernels per forward: %s", e.Kernels())
	r := rand.New(rand.NewPCG(1, 2))
	x := randomSpherePoints(r, B*L, K)
	ts := []float32{0.13, 0.87}
	want := make([]float32, B*L*K)
	inf, err := model.NewInference(p, B, L)
	require.NoError(t, err)
	require.NoError(t, inf.Forward(want, x, ts))

	got := make([]float32, B*L*K)
	for i := range got {
		got[i] = float32(math.NaN()) // poison: a row the device skips stays NaN
	}
	require.NoError(t, e.Forward(got, x, ts))
	rel := relErr(got, want)
	t.Logf("tiny forward: max relative error %.2e over %d logits", rel, len(got))
	require.Less(t, rel, 1e-4)

	// A batch of one uses the first slot only.
	got1 := make([]float32, L*K)
	require.NoError(t, e.Forward(got1, x[:L*K], ts[:1]))
	require.Less(t, relErr(got1, want[:L*K]), 1e-4)
}

// TestForwardSplitsLargeTensors lowers the storage binding limit so that
// the embedding and output layers must be split into several buffers, and
// checks that the result does not change.
func TestForwardSplitsLargeTensors(t *testing.T) {
	d := testDriver(t)
	p := tinyParams(t)
	B, L, K := 1, 8, p.Cfg.Vocab
	lim := &limitedDriver{Driver: d, maxBinding: 8192} // holds every activation, not the MLP or qkv weights
	e, err := NewEngine(lim, p, B, L)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(3, 4))
	x := randomSpherePoints(r, B*L, K)
	ts := []float32{0.5}
	want := make([]float32, B*L*K)
	inf, err := model.NewInference(p, B, L)
	require.NoError(t, err)
	require.NoError(t, inf.Forward(want, x, ts))
	got := make([]float32, B*L*K)
	require.NoError(t, e.Forward(got, x, ts))
	require.Less(t, relErr(got, want), 1e-4)
	require.Greater(t, countOps(e, "linear"), 15+2*(6+8+8-3), "weights were split into chunks")
}

func countOps(e *Engine, name string) int {
	n := 0
	for _, o := range e.forward {
		if o.name == name {
			n++
		}
	}
	return n
}

// limitedDriver reports a smaller storage binding limit than the adapter's.
type limitedDriver struct {
	Driver
	maxBinding uint64
}

func (l *limitedDriver) Adapter() AdapterInfo {
	a := l.Driver.Adapter()
	a.MaxBinding = l.maxBinding
	return a
}

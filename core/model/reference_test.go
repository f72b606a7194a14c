package model

import (
	"math"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/safetensors"
	"github.com/rdlm-go/rdlm/internal/refdata"
	"github.com/rdlm-go/rdlm/internal/testutil"
	"github.com/stretchr/testify/require"
)

// refState is the reference implementation's training step of its tiny DiT
// (see internal/refdata/testdata/README.md): weights, inputs, outputs, gradients.
type refState struct {
	f       *safetensors.File
	cfg     Config
	x, t    []float32
	targets []int32
	logits  []float32
	loss    []float32
}

func loadRef(t *testing.T) *refState {
	t.Helper()
	f, err := safetensors.Read(refdata.DiTTinyState())
	require.NoError(t, err)
	cfg, err := Preset("tiny")
	require.NoError(t, err)
	get := func(name string) []float32 {
		tn, err := f.Get(name)
		require.NoError(t, err)
		v, err := tn.Float32()
		require.NoError(t, err)
		return v
	}
	r := &refState{f: f, cfg: cfg, x: get("input.x"), t: get("input.t"), logits: get("output.logits"), loss: get("output.loss_per_sequence")}
	for _, v := range get("input.target") {
		r.targets = append(r.targets, int32(v))
	}
	return r
}

// params loads the reference weights into Params of element type T.
func refParams[T cpu.Float](t *testing.T, r *refState) *Params[T] {
	p := NewParams[T](r.cfg)
	for _, s := range r.cfg.Specs() {
		tn, err := r.f.Get(s.Name)
		require.NoError(t, err)
		require.Equal(t, s.Shape, tn.Shape, s.Name)
		v, err := tn.Float32()
		require.NoError(t, err)
		dst := p.View(s.Name)
		for i, x := range v {
			dst[i] = T(x)
		}
	}
	return p
}

func TestSpecsFollowTheReferenceStateDict(t *testing.T) {
	r := loadRef(t)
	var names []string
	for _, n := range r.f.Order {
		if !strings.HasPrefix(n, "input.") && !strings.HasPrefix(n, "output.") && !strings.HasPrefix(n, "grad.") {
			names = append(names, n)
		}
	}
	specs := r.cfg.Specs()
	require.Len(t, specs, len(names))
	total := 0
	for i, s := range specs {
		require.Equal(t, names[i], s.Name, "spec %d", i)
		require.Equal(t, r.f.Tensors[s.Name].Shape, s.Shape, s.Name)
		total += s.Numel()
	}
	require.Equal(t, 267803, total) // the README's count
	require.Equal(t, total, r.cfg.NumParams())
}

// relErr is |a - b| / |b| over a whole tensor, and the largest elementwise
// difference relative to the tensor's largest entry, max|a-b| / max|b|.
func relErr[T cpu.Float](a []T, b []float32) (norm, elem float64) {
	var d2, b2, dmax float64
	for i := range b {
		d := float64(a[i]) - float64(b[i])
		d2 += d * d
		b2 += float64(b[i]) * float64(b[i])
		dmax = math.Max(dmax, math.Abs(d))
	}
	return math.Sqrt(d2 / b2), dmax / testutil.MaxAbs(b)
}

// runRef runs the reference step in type T and checks it against the
// reference outputs with the given tolerances (norm-relative).
func runRef[T cpu.Float](t *testing.T, r *refState, logitTol, lossTol, gradTol float64) {
	p := refParams[T](t, r)
	B, L := len(r.t), r.cfg.Length
	net, err := NewNet(p, B, L)
	require.NoError(t, err)
	x, tt := testutil.Convert[T](r.x), testutil.Convert[T](r.t)
	logits, err := net.Forward(x, tt)
	require.NoError(t, err)
	ln, le := relErr(logits, r.logits)
	t.Logf("logits: norm-relative %.2e, max elementwise |a-b|/max|b| %.2e", ln, le)
	require.Less(t, ln, logitTol)

	// The cross-entropy and its logit gradient as training computes them,
	// then the backward training runs (BackwardFrom).
	loss := make([]T, B)
	w := make([]T, B)
	for i := range w {
		w[i] = T(1) / T(B) // the reference's gradients are of the batch mean
	}
	dlogits := make([]T, len(logits))
	crossEntropy(dlogits, logits, r.targets, w, loss, L, r.cfg.Vocab)
	lossN, lossE := relErr(loss, r.loss)
	t.Logf("loss per sequence %v vs reference %v: relative %.2e", loss, r.loss, lossE)
	require.Less(t, lossN, lossTol)

	g := NewParams[T](r.cfg)
	require.NoError(t, net.BackwardFrom(g, dlogits))
	worstN, worstE, worstName := 0.0, 0.0, ""
	for _, s := range r.cfg.Specs() {
		tn, err := r.f.Get("grad." + s.Name)
		require.NoError(t, err)
		want, err := tn.Float32()
		require.NoError(t, err)
		n, el := relErr(g.View(s.Name), want)
		require.Less(t, n, gradTol, "gradient of %s: norm-relative error %.2e", s.Name, n)
		if n > worstN {
			worstN, worstName = n, s.Name
		}
		worstE = math.Max(worstE, el)
	}
	t.Logf("gradients: worst norm-relative %.2e (%s), worst elementwise |a-b|/max|b| %.2e", worstN, worstName, worstE)
}

func TestMatchesReferenceFloat32(t *testing.T) {
	runRef[float32](t, loadRef(t), 1e-6, 1e-6, 1e-5)
}

// In float64 the remaining differences are the reference's own float32
// rounding: this bounds how far the reference is from the exact function.
func TestMatchesReferenceFloat64(t *testing.T) {
	runRef[float64](t, loadRef(t), 1e-6, 1e-6, 1e-5)
}

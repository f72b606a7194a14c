package process

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/sphere"
	"github.com/rdlm-go/rdlm/internal/testutil"
)

// randomPoint returns a uniform point of S^{v-1}, drawn from stream id.
func randomPoint(v int, id uint64) []float64 { return testutil.RandomPoint(21, id, v) }

// Without drift one GRW step multiplies E<X, x0> by exactly
// E cos(sigma |P z|) = 1F1(d/2; 1/2; -sigma^2/2), sigma^2 = beta dt (the noise
// direction averages out), so after n steps E<X_n, x0> = M^n with no
// discretisation error. Checked within 4 standard errors, 4000 walks.
func TestGRWStepHeatKernel(t *testing.T) {
	const (
		v     = 28
		n     = 40
		beta  = 0.02
		dt    = 0.025
		walks = 4000
	)
	x0 := randomPoint(v, 1)
	x := make([]float64, v)
	drift := make([]float64, v)
	var sum, sum2 float64
	for w := uint64(0); w < walks; w++ {
		copy(x, x0)
		s := rng.NewStream(22, w)
		for i := 0; i < n; i++ {
			clear(drift)
			GRWStep(x, drift, beta, dt, &s)
		}
		c := sphere.Dot(x, x0)
		sum += c
		sum2 += c * c
	}
	m := sum / walks
	se := math.Sqrt((sum2/walks - m*m) / walks)
	want := math.Pow(hyp1f1(float64(v-1)/2, 0.5, -beta*dt/2), n)
	t.Logf("E<X_n,x0> = %.5f, exact %.5f, %.2f SE (SE %.1e)", m, want, (m-want)/se, se)
	require.InDelta(t, want, m, 4*se)
	require.Less(t, se, 0.003)
}

// The walk stays on the sphere in float32 over 10,000 steps with large drifts.
func TestGRWStepStaysOnSphere(t *testing.T) {
	const v = 28
	x := make([]float32, v)
	sphere.Uniform(x)
	drift := make([]float32, v)
	p := make([]float32, v-1)
	for k := range p {
		p[k] = 1 / float32(v-1)
	}
	s := rng.NewStream(23, 0)
	sch := schedule.Default()
	for i := 0; i < 10000; i++ {
		tt := 0.9999 * float64(i) / 10000
		require.NoError(t, GenerativeDrift(drift, x, p, sch.Gamma(tt)))
		GRWStep(x, drift, sch.Beta(tt), 1e-4, &s)
		if i%500 == 0 {
			require.InDelta(t, 1, sphere.Norm(x), 1e-6, "step %d", i)
		}
	}
	require.InDelta(t, 1, sphere.Norm(x), 1e-6)
}

// The simulated bridge reproduces the doc's table means at t = 0.85 (the
// projected simulation, rdlm-math.md section 10): E<X, e_k> and E<X, start>
// within the table's own Monte Carlo tolerance 0.005 plus 4 standard errors.
// With 500 steps the walk's discretisation bias in E<X,e_k> is a few 1e-3 at
// this t (about -0.004 measured with 4000 particles; -0.012 with 100 steps),
// so the tolerance has little slack; a wrong drift or noise scale misses by
// more than 0.05.
func TestSimulateBridgeMatchesTableMeans(t *testing.T) {
	const (
		v         = 28
		particles = 2000
		steps     = 500
		tt        = 0.85
	)
	sch := schedule.Default()
	cases := []struct {
		start  Start
		wantK  float64
		wantSt float64
	}{
		{StartMasked, 0.59700, 0.61634},
		{StartUniform, 0.65841, 0.67490},
	}
	x := make([]float64, v)
	scratch := make([]float64, v)
	st := make([]float64, v)
	for _, c := range cases {
		require.NoError(t, StartPoint(st, c.start))
		var a, a2, b, b2 float64
		for p := uint64(0); p < particles; p++ {
			s := rng.NewStream(24, p)
			require.NoError(t, SimulateBridge(x, c.start, 3, tt, steps, sch, &s, scratch))
			ya, yb := x[3], sphere.Dot(x, st)
			a, a2, b, b2 = a+ya, a2+ya*ya, b+yb, b2+yb*yb
		}
		a, b = a/particles, b/particles
		seA := math.Sqrt((a2/particles - a*a) / particles)
		seB := math.Sqrt((b2/particles - b*b) / particles)
		t.Logf("%v t=%v: E<X,e_k> %.5f (table %.5f, SE %.1e), E<X,start> %.5f (table %.5f, SE %.1e)",
			c.start, tt, a, c.wantK, seA, b, c.wantSt, seB)
		require.InDelta(t, c.wantK, a, 0.005+4*seA)
		require.InDelta(t, c.wantSt, b, 0.005+4*seB)
	}
}

// Run to t = 1, the bridge ends on its vertex up to the last step's noise:
// the final step's drift (gamma dt ~ 1) removes the remaining angle, and its
// noise sqrt(beta_1 dt) z leaves E[1 - <X, e_k>] ~ d beta_1 dt / 2 (0.0054 for
// d = 27, 500 steps). The check allows a factor 1.5 either way; the mask
// coordinate averages to 0 within 4 standard errors.
func TestSimulateBridgeEndsAtVertex(t *testing.T) {
	const (
		v         = 28
		particles = 300
		steps     = 500
	)
	sch := schedule.Default()
	x := make([]float32, v)
	scratch := make([]float32, v)
	for _, start := range []Start{StartMasked, StartUniform} {
		var gap, mask, mask2 float64
		for p := uint64(0); p < particles; p++ {
			s := rng.NewStream(25, p)
			require.NoError(t, SimulateBridge(x, start, 7, 1, steps, sch, &s, scratch))
			require.Greater(t, x[7], float32(0.97), "particle %d", p)
			require.Equal(t, 7, Decode(x))
			gap += 1 - float64(x[7])
			mask += float64(x[v-1])
			mask2 += float64(x[v-1]) * float64(x[v-1])
		}
		gap /= particles
		mask /= particles
		predicted := float64(v-1) * sch.Beta(1) / steps / 2
		t.Logf("%v: E[1-<X_1,e_k>] = %.5f, predicted %.5f", start, gap, predicted)
		require.InDelta(t, predicted, gap, predicted/2)
		require.InDelta(t, 0, mask, 4*math.Sqrt(mask2/particles/particles))
	}
}

func TestSimulateBridgeErrors(t *testing.T) {
	sch := schedule.Default()
	x := make([]float64, 5)
	s := rng.NewStream(1, 1)
	require.ErrorContains(t, SimulateBridge(x, StartMasked, 4, 0.5, 10, sch, &s, nil), "token 4")
	require.ErrorContains(t, SimulateBridge(x, StartMasked, 1, 1.5, 10, sch, &s, nil), "time")
	require.ErrorContains(t, SimulateBridge(x, StartMasked, 1, 0.5, 0, sch, &s, nil), "step")
	require.ErrorContains(t, SimulateBridge(x, StartMasked, 1, 0.5, 10, sch, &s, make([]float64, 3)), "scratch")
	// t = 0: the start point itself.
	require.NoError(t, SimulateBridge(x, StartMasked, 1, 0, 10, sch, &s, nil))
	require.Equal(t, []float64{0, 0, 0, 0, 1}, x)
}

package process

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/sphere"
)

// hyp1f1 is Kummer's M(a, b, z) by its power series; the arguments used here
// (|z| < 0.1) converge in a few dozen terms.
func hyp1f1(a, b, z float64) float64 {
	term, sum := 1.0, 1.0
	for n := 0; n < 200; n++ {
		term *= (a + float64(n)) / (b + float64(n)) * z / float64(n+1)
		sum += term
		if math.Abs(term) < 1e-17*math.Abs(sum) {
			break
		}
	}
	return sum
}

func TestMeanDirection(t *testing.T) {
	const v = 28
	c0 := 1 / math.Sqrt(v)
	pn := math.Sqrt(1 - c0*c0)
	u := make([]float64, v)
	sphere.Uniform(u)
	mu := make([]float64, v)
	for _, alpha := range []float64{0, 0.1, 0.5, pn, 0.99, 1} {
		require.NoError(t, MeanDirection(mu, StartMasked, 5, alpha))
		require.InDelta(t, 1, sphere.Norm(mu), 1e-15)
		require.InDelta(t, alpha, mu[5], 1e-15)
		require.InDelta(t, math.Sqrt(1-alpha*alpha), mu[v-1], 1e-15)

		require.NoError(t, MeanDirection(mu, StartUniform, 5, alpha))
		require.InDelta(t, 1, sphere.Norm(mu), 1e-15)
		require.InDelta(t, math.Sqrt(1-alpha*alpha), sphere.Dot(mu, u), 1e-15, "weight of u")
		require.InDelta(t, alpha*pn+c0*math.Sqrt(1-alpha*alpha), mu[5], 1e-15, "<mu, e_k>")
	}
	// alpha = pn on the uniform path is the vertex itself; alpha = 0 the start.
	require.NoError(t, MeanDirection(mu, StartUniform, 5, pn))
	for i, m := range mu {
		want := 0.0
		if i == 5 {
			want = 1
		}
		require.InDelta(t, want, m, 1e-15)
	}
	require.NoError(t, MeanDirection(mu, StartUniform, 5, 0))
	for _, m := range mu {
		require.InDelta(t, c0, m, 1e-15)
	}
	require.ErrorContains(t, MeanDirection(mu, StartMasked, 27, 0.5), "token 27 out of range [0, 27)")
	require.ErrorContains(t, MeanDirection(mu, StartMasked, 3, 1.5), "alpha")
}

// The wrapped tangent Gaussian has mean cosine E<x, mu> = 1F1(d/2; 1/2;
// -rho^2/2) (rdlm-math.md section 10). 2e5 draws; the check is 4 standard
// errors of the sample mean (about 4 x 2.5e-4 = 1e-3 for d = 27, rho = 0.2),
// and the mean's component orthogonal to mu must vanish within 4 standard
// errors too.
func TestSampleXtMeanCosine(t *testing.T) {
	cases := []struct {
		d     int
		rho   float64
		want  float64
		start Start
		alpha float64
	}{
		{27, 0.1, 0.86823, StartMasked, 0.3},
		{27, 0.2, 0.51009, StartUniform, 0.4},
		{3, 0.3, 0.86996, StartMasked, 0.8},
	}
	for ci, c := range cases {
		// The doc's closed-form values agree with the series to their 5 digits.
		exact := hyp1f1(float64(c.d)/2, 0.5, -c.rho*c.rho/2)
		require.InDelta(t, c.want, exact, 6e-6)

		v := c.d + 1
		mu := make([]float64, v)
		require.NoError(t, MeanDirection(mu, c.start, 1, c.alpha))
		x := make([]float64, v)
		x32 := make([]float32, v)
		mean := make([]float64, v)
		const n = 200000
		var sum, sum2 float64
		for i := uint64(0); i < n; i++ {
			s := rng.NewStream(11, uint64(ci)<<32|i)
			require.NoError(t, SampleXt(x, c.start, 1, c.alpha, c.rho, &s))
			cosine := sphere.Dot(x, mu)
			sum += cosine
			sum2 += cosine * cosine
			for j := range x {
				mean[j] += x[j]
			}
			if i%1000 == 0 {
				require.InDelta(t, 1, sphere.Norm(x), 1e-14)
				// The float32 path on the same stream gives the same point.
				s = rng.NewStream(11, uint64(ci)<<32|i)
				require.NoError(t, SampleXt(x32, c.start, 1, c.alpha, c.rho, &s))
				for j := range x {
					require.InDelta(t, x[j], float64(x32[j]), 1e-6)
				}
			}
		}
		m := sum / n
		se := math.Sqrt((sum2/n - m*m) / n)
		t.Logf("d=%d rho=%v: mean cosine %.5f, exact %.5f, diff %.1e = %.2f SE (SE %.1e)", c.d, c.rho, m, exact, m-exact, (m-exact)/se, se)
		require.InDelta(t, exact, m, 4*se)
		require.Less(t, 4*se, 1.2e-3, "the check must be at least as tight as the doc's 1e-3")

		// E[x] = E[cos] mu: the orthogonal part averages to zero. Each coordinate
		// of x - <x,mu>mu has standard deviation at most rho, so 4 rho/sqrt(n)
		// bounds 4 standard errors.
		for j := range mean {
			mean[j] /= n
		}
		along := sphere.Dot(mean, mu)
		for j := range mean {
			require.InDelta(t, 0, mean[j]-along*mu[j], 4*c.rho/math.Sqrt(n))
		}
	}
}

// rho = 0 returns mu exactly; bad arguments are errors.
func TestSampleXtEdges(t *testing.T) {
	x := make([]float32, 28)
	mu := make([]float32, 28)
	s := rng.NewStream(1, 1)
	require.NoError(t, SampleXt(x, StartUniform, 26, 0.7, 0, &s))
	require.NoError(t, MeanDirection(mu, StartUniform, 26, 0.7))
	require.Equal(t, mu, x)
	require.ErrorContains(t, SampleXt(x, StartUniform, -1, 0.7, 0.1, &s), "token -1")
	require.ErrorContains(t, SampleXt(x, StartUniform, 0, 0.7, math.NaN(), &s), "rho")
	require.ErrorContains(t, SampleXt(x, StartUniform, 0, -0.1, 0.1, &s), "alpha")
}

package optim

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// adamwStepRef is AdamW written the textbook way, in float64, as an
// independent check of the folded float32 form in Update.
func adamwStepRef(c AdamWConfig, step int, p, g, m, v []float64) {
	lr := c.LR
	if c.Warmup > 0 {
		lr *= math.Min(float64(step)/float64(c.Warmup), 1)
	}
	for i := range p {
		p[i] *= 1 - lr*c.WeightDecay
		m[i] = c.Beta1*m[i] + (1-c.Beta1)*g[i]
		v[i] = c.Beta2*v[i] + (1-c.Beta2)*g[i]*g[i]
		mHat := m[i] / (1 - math.Pow(c.Beta1, float64(step)))
		vHat := v[i] / (1 - math.Pow(c.Beta2, float64(step)))
		p[i] -= lr * mHat / (math.Sqrt(vHat) + c.Eps)
	}
}

// The first Adam step moves each weight by lr*g/(|g|+eps) after the decay:
// with p = 1, g = 0.5, lr = 0.1, wd = 0.01 that is 0.999 - 0.1 = 0.899.
func TestAdamWFirstStepByHand(t *testing.T) {
	opt, err := NewAdamW(2, AdamWConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01})
	require.NoError(t, err)
	p := []float32{1, -2}
	lr := opt.Update(p, []float32{0.5, -3})
	require.Equal(t, 0.1, lr)
	require.Equal(t, 1, opt.Step)
	require.InDelta(t, 0.899, p[0], 1e-6)
	require.InDelta(t, -2*0.999+0.1, p[1], 1e-6)
	require.InDelta(t, 0.05, opt.M[0], 2e-8)     // (1-beta1) g
	require.InDelta(t, 0.00025, opt.V[0], 1e-10) // (1-beta2) g^2
}

// Several steps with warm-up and weight decay against the float64 textbook
// form: float32 rounding keeps them within 2e-6 relative.
func TestAdamWMatchesTextbookForm(t *testing.T) {
	c := AdamWConfig{LR: 1e-2, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.1, Warmup: 3}
	const n = 7
	opt, err := NewAdamW(n, c)
	require.NoError(t, err)
	p32 := make([]float32, n)
	g32 := make([]float32, n)
	p, g, m, v := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range p {
		p[i] = 0.3*float64(i) - 1
		p32[i] = float32(p[i])
		p[i] = float64(p32[i])
	}
	for step := 1; step <= 6; step++ {
		for i := range g {
			g32[i] = float32(math.Sin(float64(3*i+step)) * float64(step))
			g[i] = float64(g32[i])
		}
		lr := opt.Update(p32, g32)
		require.InDelta(t, c.LR*math.Min(float64(step)/3, 1), lr, 1e-15)
		adamwStepRef(c, step, p, g, m, v)
		for i := range p {
			require.InDelta(t, p[i], float64(p32[i]), 2e-6*math.Max(1, math.Abs(p[i])), "step %d param %d", step, i)
		}
	}
}

func TestLearningRateWarmup(t *testing.T) {
	c := DefaultAdamW()
	require.InDelta(t, 3e-4/2500, c.LearningRate(1), 1e-18)
	require.InDelta(t, 3e-4/2, c.LearningRate(1250), 1e-18)
	require.Equal(t, 3e-4, c.LearningRate(2500))
	require.Equal(t, 3e-4, c.LearningRate(100000))
	c.Warmup = 0
	require.Equal(t, 3e-4, c.LearningRate(1))
}

func TestAdamWConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		mutate func(*AdamWConfig)
		want   string
	}{
		{func(c *AdamWConfig) { c.LR = -1 }, "lr"},
		{func(c *AdamWConfig) { c.LR = math.NaN() }, "lr"},
		{func(c *AdamWConfig) { c.Beta1 = 1 }, "beta1"},
		{func(c *AdamWConfig) { c.Beta2 = -0.1 }, "beta2"},
		{func(c *AdamWConfig) { c.Eps = 0 }, "eps"},
		{func(c *AdamWConfig) { c.WeightDecay = math.Inf(1) }, "weight decay"},
		{func(c *AdamWConfig) { c.Warmup = -5 }, "warm-up"},
	} {
		c := DefaultAdamW()
		tc.mutate(&c)
		_, err := NewAdamW(3, c)
		require.ErrorContains(t, err, tc.want)
	}
	_, err := NewAdamW(0, DefaultAdamW())
	require.ErrorContains(t, err, "at least one parameter")
}

// The steady-state loop (clip, step, average) allocates nothing.
func TestOptimiserStepDoesNotAllocate(t *testing.T) {
	const n = 1000
	opt, err := NewAdamW(n, DefaultAdamW())
	require.NoError(t, err)
	p := make([]float32, n)
	g := make([]float32, n)
	for i := range g {
		g[i] = float32(i%7) - 3
	}
	ema, err := NewEMA(p, 0.9999)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(20, func() {
		ClipGlobalNorm(g, 1)
		opt.Update(p, g)
		ema.Update(p)
	})
	require.Zero(t, allocs)
}

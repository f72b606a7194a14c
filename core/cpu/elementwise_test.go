package cpu

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/rng"
)

// ulpDiff is the distance in float32 steps between two finite floats of
// the same sign (0 and subnormals included), or 0 for two NaNs or equal
// infinities.
func ulpDiff(a, b float32) int64 {
	if a == b || (a != a && b != b) {
		return 0
	}
	ia, ib := int64(math.Float32bits(a)&0x7fffffff), int64(math.Float32bits(b)&0x7fffffff)
	if math.Signbit(float64(a)) != math.Signbit(float64(b)) {
		return ia + ib
	}
	if ia > ib {
		return ia - ib
	}
	return ib - ia
}

// expInputs is a wide sweep of e^x arguments: a dense grid over [-110, 95],
// random points, and the edges (overflow, the subnormal range, underflow to
// 0, infinities, huge magnitudes, signed zeros).
func expInputs() []float32 {
	var xs []float32
	for x := -110.0; x <= 95; x += 0.0137 {
		xs = append(xs, float32(x))
	}
	st := rng.NewStream(7, 0)
	for range 20000 {
		xs = append(xs, float32(st.Normal()*20))
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 88.72, 88.7228, 88.73, 89, 90, 1e10, 3.4e38,
		-87.33, -87.34, -100, -103.27, -103.28, -103.97, -103.98, -104, -104.5, -150, -1e10, -3.4e38,
		float32(math.Inf(1)), float32(math.Inf(-1)), math.SmallestNonzeroFloat32, math.MaxFloat32)
	return xs
}

// The vector e^x is within 2 float32 ulp of math.Exp's correctly rounded
// result everywhere: the normal range, the subnormal results (where 2 ulp
// is 2 steps of 2^-149), exact 0 below and +Inf above the range.
func TestExpMatchesMathExp(t *testing.T) {
	if !VecMath() {
		t.Skip("no vector kernels on this CPU: Exp is math.Exp")
	}
	xs := expInputs()
	got := make([]float32, len(xs))
	Exp(got, xs)
	var worst int64
	for i, x := range xs {
		want := float32(math.Exp(float64(x)))
		d := ulpDiff(got[i], want)
		require.LessOrEqualf(t, d, int64(2), "exp(%v) = %v, want %v (%d ulp)", x, got[i], want, d)
		worst = max(worst, d)
	}
	t.Logf("worst %d ulp over %d arguments", worst, len(xs))
	one := []float32{float32(math.Inf(-1)), float32(math.Inf(1)), 100, -200, -104, 0}
	Exp(one, one)
	require.Equal(t, []float32{0, float32(math.Inf(1)), float32(math.Inf(1)), 0, 0, 1}, one)
}

// NaN policy, the same as the scalar paths': NaN in, NaN out, and a NaN
// lane leaves its neighbours alone.
func TestExpNaN(t *testing.T) {
	x := make([]float32, 19)
	for i := range x {
		x[i] = float32(i) - 9
	}
	x[3], x[17] = float32(math.NaN()), float32(math.NaN())
	y := make([]float32, len(x))
	Exp(y, x)
	for i, v := range y {
		if i == 3 || i == 17 {
			require.True(t, v != v, "lane %d: %v", i, v)
			continue
		}
		require.LessOrEqual(t, ulpDiff(v, float32(math.Exp(float64(x[i])))), int64(2))
	}
	g := []float32{float32(math.NaN()), 1}
	Gelu(g, g)
	require.True(t, g[0] != g[0])
}

// forLengths runs f on every length 0..70 at every float offset 0..3 into a
// larger buffer (so the vector loads are unaligned and the tails all sizes),
// with the buffer's guard values after the slice checked untouched.
func forLengths(t *testing.T, f func(t *testing.T, n, off int, buf func(stream uint64, sd float64) []float32)) {
	for n := 0; n <= 70; n++ {
		for off := 0; off < 4; off++ {
			var guards [][]float32
			buf := func(stream uint64, sd float64) []float32 {
				b := randSlice(off+n+17, stream+uint64(1000*n+off))
				for i := range b {
					b[i] *= float32(sd)
				}
				for i := off + n; i < len(b); i++ {
					b[i] = 12345
				}
				guards = append(guards, b[off+n:])
				return b[off : off+n]
			}
			f(t, n, off, buf)
			for _, g := range guards {
				for _, v := range g {
					require.Equal(t, float32(12345), v, "n=%d off=%d: wrote past the slice", n, off)
				}
			}
		}
	}
}

func bitsOf(x []float32) []uint32 {
	b := make([]uint32, len(x))
	for i, v := range x {
		b[i] = math.Float32bits(v)
	}
	return b
}

// near reports |got - want| <= rel |want| + abs.
func near(got float32, want, rel, abs float64) bool {
	return math.Abs(float64(got)-want) <= rel*math.Abs(want)+abs
}

func TestExpTails(t *testing.T) {
	forLengths(t, func(t *testing.T, n, off int, buf func(uint64, float64) []float32) {
		x := buf(1, 30)
		y := buf(2, 1)
		Exp(y, x)
		for i, v := range x {
			require.LessOrEqual(t, ulpDiff(y[i], float32(math.Exp(float64(v)))), int64(2), "n=%d off=%d i=%d", n, off, i)
		}
	})
}

// GELU and its backward against the float64 reference: within 4e-6
// relative plus 1e-7 absolute (the tail where GELU is tiny negative carries
// the float32 rounding of -2u, amplified by the exponential); inputs of
// standard deviation 4 cover both saturated sides, and the fixed values the
// far tails and huge arguments. The backward is checked for |x| <= 1e18: beyond
// about 1.8e19 x^2 overflows float32 and gelu'(x) is NaN, as on the scalar
// float32 path of core/nn.
func TestGeluMatchesReference(t *testing.T) {
	fixed := []float32{0, -1e-20, 1e-20, -30, -20, -10, -5, 5, 10, 30, 1e6, -1e6, 1e20, -1e19}
	forLengths(t, func(t *testing.T, n, off int, buf func(uint64, float64) []float32) {
		x := buf(3, 4)
		for i := range min(n, len(fixed)) {
			if n%3 == 0 {
				x[i] = fixed[i]
			}
		}
		y := buf(4, 1)
		Gelu(y, x)
		dy := buf(5, 1)
		dx := buf(6, 1)
		GeluBackward(dx, dy, x)
		for i, v := range x {
			w := geluRef(float64(v))
			require.Truef(t, near(y[i], w, 4e-6, 1e-7), "gelu(%v) = %v, want %v", v, y[i], w)
			if math.Abs(float64(v)) > 1e18 {
				continue
			}
			wg := float64(dy[i]) * geluGradRef(float64(v))
			require.Truef(t, near(dx[i], wg, 4e-6, 1e-7), "gelu'(%v) dy %v = %v, want %v", v, dy[i], dx[i], wg)
		}
		// In place: y may alias x, dx may alias dy.
		GeluBackward(dy, dy, x)
		require.Equal(t, bitsOf(dx), bitsOf(dy))
		Gelu(x, x)
		require.Equal(t, bitsOf(y), bitsOf(x))
	})
}

// The softmax row and its backward against the float64 reference, every
// length and alignment, scores spread wide enough that some probabilities
// underflow.
func TestSoftmaxMatchesReference(t *testing.T) {
	forLengths(t, func(t *testing.T, n, off int, buf func(uint64, float64) []float32) {
		if n == 0 {
			return
		}
		s := buf(7, 6)
		if n%5 == 1 {
			s[n-1] = 80 // the maximum in the tail
		}
		want := make([]float64, n)
		m := math.Inf(-1)
		for _, v := range s {
			m = max(m, float64(v))
		}
		const scale = 0.125
		var sum float64
		for i, v := range s {
			want[i] = math.Exp((float64(v) - m) * scale)
			sum += want[i]
		}
		SoftmaxScaled(s, scale)
		var got float64
		for i := range s {
			want[i] /= sum
			require.Truef(t, near(s[i], want[i], 4e-6, 1e-9), "n=%d i=%d: %v, want %v", n, i, s[i], want[i])
			got += float64(s[i])
		}
		require.InDelta(t, 1, got, 1e-5)

		g := buf(8, 1)
		var dot float64
		for i, p := range s {
			dot += float64(p) * float64(g[i])
		}
		wg := make([]float64, n)
		for i, p := range s {
			wg[i] = float64(p) * (float64(g[i]) - dot) * scale
		}
		SoftmaxBackward(g, s, scale)
		for i := range g {
			require.Truef(t, near(g[i], wg[i], 1e-5, 1e-7), "n=%d i=%d: %v, want %v", n, i, g[i], wg[i])
		}
	})
}

// Under a kernel set without the vector kernels the Go loops run, and give
// the same results to rounding.
func TestElementwiseGoPath(t *testing.T) {
	x := randSlice(37, 9)
	for i := range x {
		x[i] *= 4
	}
	vec := make([]float32, len(x))
	Gelu(vec, x)
	withKernels(t, "go", func() {
		require.False(t, VecMath())
		ref := make([]float32, len(x))
		Gelu(ref, x)
		for i := range x {
			require.True(t, near(vec[i], float64(ref[i]), 4e-6, 1e-7))
		}
	})
}

func BenchmarkGelu(b *testing.B) {
	x := randSlice(1<<16, 1)
	y := make([]float32, len(x))
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		Gelu(y, x)
	}
}

func BenchmarkGeluBackward(b *testing.B) {
	x, dy := randSlice(1<<16, 1), randSlice(1<<16, 2)
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		GeluBackward(dy, dy, x)
	}
}

func BenchmarkSoftmaxRow256(b *testing.B) {
	s := randSlice(256, 1)
	b.SetBytes(4 * 256)
	for b.Loop() {
		SoftmaxScaled(s, 0.125)
	}
}

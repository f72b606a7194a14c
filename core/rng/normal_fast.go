package rng

import "math"

// Ziggurat normal sampler (Marsaglia and Tsang, "The ziggurat method for
// generating random variables", J. Stat. Softw. 5(8), 2000) fed by Philox words.
//
// Box-Muller spends two words, a log, a square root and a sincos per pair of
// variates; the ziggurat spends one word and one multiply for about 98.5% of
// variates, which is what lets the x_t tables (655 million normals) build in
// seconds. It is exact: a rejection method whose only approximation is the
// 23-bit resolution of the position inside a layer.
//
// One word w is split as
//
//	bits 0..7   layer j (256 layers of equal area under exp(-x^2/2))
//	bit  8      sign
//	bits 9..31  u, the position inside the layer (23 bits)
//
// so that no bit serves twice (the original used the low bits both as layer
// index and as part of the uniform, a known weakness).

const (
	zigLayers = 256
	zigUBits  = 23
	// zigR is the right edge of the base layer for 256 layers: the value for
	// which the 255 stacked rectangles of equal area close exactly at x = 0.
	zigR = 3.6541528853610088
)

var (
	zigW [zigLayers]float64     // position scale: x = (u + 0.5) * zigW[j]
	zigK [zigLayers]uint32      // fast accept when u < zigK[j]
	zigF [zigLayers + 1]float64 // exp(-x^2/2) at the layer edges, zigF[256] = 1
	zigV float64                // the common area of every layer
)

func init() { zigguratSetup() }

// zigguratSetup builds the layers from the base: e[0] is the virtual width
// of the base layer (its area, rectangle plus tail, divided by f(r)), e[1] = r,
// and each next edge solves e[j] (f(e[j+1]) - f(e[j])) = v.
func zigguratSetup() {
	f := func(x float64) float64 { return math.Exp(-0.5 * x * x) }
	zigV = zigR*f(zigR) + math.Sqrt(math.Pi/2)*math.Erfc(zigR/math.Sqrt2)
	var e [zigLayers + 1]float64
	e[0] = zigV / f(zigR)
	e[1] = zigR
	for j := 1; j < zigLayers-1; j++ {
		e[j+1] = math.Sqrt(-2 * math.Log(f(e[j])+zigV/e[j]))
	}
	e[zigLayers] = 0
	scale := float64(uint32(1) << zigUBits)
	for j := 0; j < zigLayers; j++ {
		zigW[j] = e[j] / scale
		// u is accepted at once when (u + 0.5) * e[j] / 2^23 < e[j+1].
		k := math.Ceil(e[j+1]/e[j]*scale - 0.5)
		zigK[j] = uint32(math.Max(k, 0))
	}
	for j := 1; j <= zigLayers; j++ {
		zigF[j] = f(e[j])
	}
	zigF[0] = 0 // the base layer never uses the wedge test
}

// ZigguratFast maps one word to a standard normal variate when the word
// falls in the ziggurat's inner region (about 98.5% of words). When ok is
// false the caller must finish the draw with ZigguratSlow on the same word.
// It is small enough to be inlined in hot loops.
func ZigguratFast(w uint32) (z float64, ok bool) {
	j := w & (zigLayers - 1)
	u := w >> (32 - zigUBits)
	if u >= zigK[j] {
		return 0, false
	}
	// The sign bit moves straight into the float's sign: a branch on a random
	// bit would be mispredicted half the time.
	z = (float64(u) + 0.5) * zigW[j]
	return math.Float64frombits(math.Float64bits(z) ^ uint64(w&zigLayers)<<55), true
}

// ZigguratSlow completes a draw that ZigguratFast refused: the wedge test,
// the tail beyond r, or a fresh word when the point is rejected. Further
// randomness comes from s, which the caller dedicates to this draw so that the
// result depends only on (seed, stream, index), never on scheduling.
func ZigguratSlow(w uint32, s *Stream) float64 {
	for {
		j := w & (zigLayers - 1)
		u := w >> (32 - zigUBits)
		neg := w&zigLayers != 0
		x := (float64(u) + 0.5) * zigW[j]
		switch {
		case u < zigK[j]:
			return signed(x, neg)
		case j == 0:
			// Tail beyond r (Marsaglia 1964): x = r + a with a ~ Exp(r),
			// kept with probability exp(-a^2/2).
			for {
				a := -math.Log(s.Float64()) / zigR
				b := -math.Log(s.Float64())
				if 2*b > a*a {
					return signed(zigR+a, neg)
				}
			}
		case zigF[j]+s.Float64()*(zigF[j+1]-zigF[j]) < math.Exp(-0.5*x*x):
			return signed(x, neg)
		}
		w = s.Uint32()
	}
}

func signed(x float64, neg bool) float64 {
	if neg {
		return -x
	}
	return x
}

// NormalZiggurat returns one standard normal variate, spending one word on
// the fast path. It draws a different sequence than Normal (Box-Muller).
func (s *Stream) NormalZiggurat() float64 {
	w := s.Uint32()
	if z, ok := ZigguratFast(w); ok {
		return z
	}
	return ZigguratSlow(w, s)
}

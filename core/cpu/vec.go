package cpu

// Dot returns the inner product of x and y; y must be at least as long as x.
func Dot(x, y []float32) float32 { return active.Load().dot(x, y) }

// Axpy computes y += alpha x; y must be at least as long as x.
func Axpy(alpha float32, x, y []float32) { active.Load().axpy(alpha, x, y) }

// dotGo keeps four partial sums so the loop is not one long dependency chain
// (and rounds like the vector versions do: in several interleaved sums).
func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+3 < len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+3 < len(x); i += 4 {
		y[i] += alpha * x[i]
		y[i+1] += alpha * x[i+1]
		y[i+2] += alpha * x[i+2]
		y[i+3] += alpha * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

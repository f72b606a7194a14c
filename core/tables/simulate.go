package tables

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/schedule"
)

// Moments are the per-time means of the four projections of the bridge toward
// a vertex e_k (rdlm-math.md section 4), on the grid t_i = i/Steps:
//
//	EK[Masked][i]    = E<X, e_k>   Start[Masked][i]  = E<X, e_m>  (bridge from e_m)
//	EK[Uniform][i]   = E<X, e_k>   Start[Uniform][i] = E<X, u>    (bridge from u)
type Moments struct {
	Dim   int // d = V - 1, the sphere's dimension
	Steps int
	EK    [2][]float64
	Start [2][]float64
}

// chunkSize particles share one pass over the time grid: their four
// projections (8 KiB) stay in L1 for all 10,000 steps. Chunk boundaries are
// fixed by particle index, so the work a chunk does never depends on the
// number of workers.
const chunkSize = 256

// fixedScale turns a chunk's per-step sum into an integer (2^-32 resolution,
// far below anything the tables resolve). Integer addition is associative, so
// the total over chunks is the same whichever worker finished first.
const fixedScale = 1 << 32

// clampEps is the reference's lower clamp on theta and sin(theta) in the
// theta/sin(theta) factor of the start-coordinate drifts.
const clampEps = 1e-6

// simulate runs the Euler-Maruyama simulation of the four projected SDEs
//
//	dY = [gamma_t <log_X(e_k), a> - (d/2) beta_t Y] dt + sqrt(beta_t (1 - Y^2)) dB
//
// for particles particles with dt = 1/steps, on workers goroutines
// (0 = GOMAXPROCS). Particle p draws its four normals of step i from Philox
// block (seed, stream p, index i), one word per projection, through the
// ziggurat; the rare slow-path draws read stream p from index
// (q+1)<<40 | i<<20 for projection q. The result is therefore a function of
// (seed, particles, steps) alone.
func simulate(dim, steps, particles int, seed uint64, sched schedule.Schedule, workers int) (*Moments, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	c0 := 1 / math.Sqrt(float64(dim+1))
	dt := 1 / float64(steps)
	// Per-step coefficients, shared read-only by every worker.
	gammaDt := make([]float64, steps)
	lapDt := make([]float64, steps) // -(d/2) beta dt: the Laplacian term of a coordinate
	noise := make([]float64, steps) // sqrt(beta dt)
	for i := 0; i < steps; i++ {
		t := float64(i) / float64(steps)
		gammaDt[i] = sched.Gamma(t) * dt
		lapDt[i] = -0.5 * float64(dim) * sched.Beta(t) * dt
		noise[i] = math.Sqrt(sched.Beta(t) * dt)
	}

	nChunks := (particles + chunkSize - 1) / chunkSize
	if workers > nChunks {
		workers = nChunks
	}
	// sums[w][4*i+q]: worker w's fixed-point sum of projection q at grid index i.
	sums := make([][]int64, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for w := 0; w < workers; w++ {
		sums[w] = make([]int64, 4*(steps+1))
		wg.Add(1)
		go func(acc []int64) {
			defer wg.Done()
			var ch chunkState
			for {
				c := int(next.Add(1)) - 1
				if c >= nChunks {
					return
				}
				lo := c * chunkSize
				hi := min(lo+chunkSize, particles)
				if err := ch.run(lo, hi, seed, c0, gammaDt, lapDt, noise, acc); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
			}
		}(sums[w])
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}

	m := &Moments{Dim: dim, Steps: steps}
	for path := 0; path < 2; path++ {
		m.EK[path] = make([]float64, steps+1)
		m.Start[path] = make([]float64, steps+1)
	}
	n := float64(particles)
	for i := 1; i < steps; i++ {
		var tot [4]int64
		for _, acc := range sums {
			for q := 0; q < 4; q++ {
				tot[q] += acc[4*i+q]
			}
		}
		m.EK[Masked][i] = float64(tot[0]) / fixedScale / n
		m.Start[Masked][i] = float64(tot[1]) / fixedScale / n
		m.EK[Uniform][i] = float64(tot[2]) / fixedScale / n
		m.Start[Uniform][i] = float64(tot[3]) / fixedScale / n
	}
	// The exact endpoints: every particle starts on its start point and the
	// bridge pins it to e_k at t = 1.
	m.EK[Masked][0], m.Start[Masked][0] = 0, 1
	m.EK[Uniform][0], m.Start[Uniform][0] = c0, 1
	m.EK[Masked][steps], m.Start[Masked][steps] = 1, 0
	m.EK[Uniform][steps], m.Start[Uniform][steps] = 1, c0
	return m, nil
}

// chunkState holds one chunk's particles: y0 = <X,e_k>, y1 = <X,e_m> on the
// masked path; y2 = <X,e_k>, y3 = <X,u> on the uniform path.
type chunkState struct {
	y0, y1, y2, y3 [chunkSize]float64
	words          [4 * chunkSize]uint32 // this step's Philox words, word-major
}

// run simulates particles [lo, hi) over the whole grid and adds their
// per-step sums to acc.
func (ch *chunkState) run(lo, hi int, seed uint64, c0 float64, gammaDt, lapDt, noise []float64, acc []int64) error {
	n := hi - lo
	y0, y1, y2, y3 := ch.y0[:n], ch.y1[:n], ch.y2[:n], ch.y3[:n]
	for p := range y0 {
		y0[p], y1[p], y2[p], y3[p] = 0, 1, c0, 1
	}
	steps := len(gammaDt)
	// The reference simulates steps 0 .. steps-2 and stores the state after
	// step i at grid index i+1; the last grid point is the exact endpoint.
	for i := 0; i+1 < steps; i++ {
		g, lap, sq := gammaDt[i], lapDt[i], noise[i]
		var s0, s1, s2, s3 float64
		philoxStreams(ch.words[:], chunkSize, seed, uint64(i), uint64(lo), n)
		w0, w1, w2, w3 := ch.words[:n], ch.words[chunkSize:chunkSize+n], ch.words[2*chunkSize:2*chunkSize+n], ch.words[3*chunkSize:3*chunkSize+n]
		for p := range y0 {
			z0, ok0 := rng.ZigguratFast(w0[p])
			z1, ok1 := rng.ZigguratFast(w1[p])
			z2, ok2 := rng.ZigguratFast(w2[p])
			z3, ok3 := rng.ZigguratFast(w3[p])
			if !(ok0 && ok1 && ok2 && ok3) {
				w := [4]uint32{w0[p], w1[p], w2[p], w3[p]}
				z0, z1, z2, z3 = slowNormals(w, ok0, ok1, ok2, ok3, z0, z1, z2, z3, seed, uint64(lo+p), uint64(i))
			}
			a, b, c, e := y0[p], y1[p], y2[p], y3[p]

			// Masked path: theta is the angle to e_k.
			sinA := sinFromCos(a)
			thA := angleFromCosSin(clip1(a), sinA)
			ratioA := atLeast(thA, clampEps) / atLeast(sinA, clampEps)
			na := a + g*thA*sinA + lap*a + sq*sinA*z0
			nb := b - g*a*b*ratioA + lap*b + sq*sinFromCos(b)*z1

			// Uniform path.
			sinC := sinFromCos(c)
			thC := angleFromCosSin(clip1(c), sinC)
			ratioC := atLeast(thC, clampEps) / atLeast(sinC, clampEps)
			nc := c + g*thC*sinC + lap*c + sq*sinC*z2
			ne := e + g*(c0-c*e)*ratioC + lap*e + sq*sinFromCos(e)*z3

			y0[p], y1[p], y2[p], y3[p] = na, nb, nc, ne
			s0 += na
			s1 += nb
			s2 += nc
			s3 += ne
		}
		if math.IsNaN(s0+s1+s2+s3) || math.IsInf(s0+s1+s2+s3, 0) {
			return fmt.Errorf("tables: the projected simulation diverged at step %d (particles %d..%d)", i, lo, hi-1)
		}
		k := 4 * (i + 1)
		acc[k] += int64(math.Round(s0 * fixedScale))
		acc[k+1] += int64(math.Round(s1 * fixedScale))
		acc[k+2] += int64(math.Round(s2 * fixedScale))
		acc[k+3] += int64(math.Round(s3 * fixedScale))
	}
	return nil
}

// sinFromCos is sqrt(max(1 - y^2, 0)), the reference's sin(arccos(y)) and the
// diffusion factor of a coordinate; (1-y)(1+y) keeps precision near |y| = 1.
func sinFromCos(y float64) float64 {
	return math.Sqrt(atLeast((1-y)*(1+y), 0))
}

// atLeast and clip1 are the clamps of the step; math.Max and math.Min are
// calls (they handle NaN and signed zeros) and cost more than the step's
// arithmetic.
func atLeast(x, lo float64) float64 {
	if x < lo {
		return lo
	}
	return x
}

func clip1(y float64) float64 {
	if y > 1 {
		return 1
	}
	if y < -1 {
		return -1
	}
	return y
}

// slowNormals finishes the draws the ziggurat's fast path refused (about 1.5%
// of words), each from its own stream position so the result does not depend
// on which other projections needed the slow path.
func slowNormals(w [4]uint32, ok0, ok1, ok2, ok3 bool, z0, z1, z2, z3 float64, seed, stream, step uint64) (float64, float64, float64, float64) {
	finish := func(q int, word uint32) float64 {
		s := rng.NewStream(seed, stream)
		s.Seek(uint64(q+1)<<40 | step<<20)
		return rng.ZigguratSlow(word, &s)
	}
	if !ok0 {
		z0 = finish(0, w[0])
	}
	if !ok1 {
		z1 = finish(1, w[1])
	}
	if !ok2 {
		z2 = finish(2, w[2])
	}
	if !ok3 {
		z3 = finish(3, w[3])
	}
	return z0, z1, z2, z3
}

package tables

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/process"
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
// projections, normals and Philox words (20 KiB) stay in L1 for all 10,000
// steps. Chunk boundaries are fixed by particle index, so the work a chunk
// does never depends on the number of workers.
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
// for particles particles with dt = 1/steps, on up to workers workers of the
// cpu pool (0 = all of them). Particle p draws its four normals of step i
// from Philox block (seed, stream p, index i), one word per projection, through the
// ziggurat; the rare slow-path draws read stream p from index
// (q+1)<<40 | i<<20 for projection q (steps <= 2^20 keeps these apart). The
// result is therefore a function of the arguments, never of the workers.
func simulate(dim, steps, particles int, seed uint64, sched schedule.Schedule, workers int) (*Moments, error) {
	if workers <= 0 {
		workers = cpu.Threads()
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

	workers = min(workers, cpu.Threads(), (particles+chunkSize-1)/chunkSize)
	sim := &simulation{seed: seed, c0: c0, gammaDt: gammaDt, lapDt: lapDt, noise: noise,
		sums: make([][]int64, workers), states: make([]chunkState, workers), errs: make([]error, workers)}
	for w := range sim.sums {
		sim.sums[w] = make([]int64, 4*(steps+1))
	}
	cpu.ForChunks(particles, chunkSize, workers, sim)
	for _, err := range sim.errs {
		if err != nil {
			return nil, err
		}
	}

	m := &Moments{Dim: dim, Steps: steps}
	for path := 0; path < 2; path++ {
		m.EK[path] = make([]float64, steps+1)
		m.Start[path] = make([]float64, steps+1)
	}
	n := float64(particles)
	for i := 1; i < steps; i++ {
		var tot [4]int64
		for _, acc := range sim.sums {
			for q := 0; q < 4; q++ {
				tot[q] += acc[4*i+q]
			}
		}
		m.EK[process.StartMasked][i] = float64(tot[0]) / fixedScale / n
		m.Start[process.StartMasked][i] = float64(tot[1]) / fixedScale / n
		m.EK[process.StartUniform][i] = float64(tot[2]) / fixedScale / n
		m.Start[process.StartUniform][i] = float64(tot[3]) / fixedScale / n
	}
	// The exact endpoints: every particle starts on its start point and the
	// bridge pins it to e_k at t = 1.
	m.EK[process.StartMasked][0], m.Start[process.StartMasked][0] = 0, 1
	m.EK[process.StartUniform][0], m.Start[process.StartUniform][0] = c0, 1
	m.EK[process.StartMasked][steps], m.Start[process.StartMasked][steps] = 1, 0
	m.EK[process.StartUniform][steps], m.Start[process.StartUniform][steps] = 1, c0
	return m, nil
}

// simulation is the loop body of simulate: chunks of chunkSize particles,
// taken in turn by the pool's workers, each adding its per-step sums into its
// worker's row of sums.
type simulation struct {
	seed                  uint64
	c0                    float64
	gammaDt, lapDt, noise []float64    // per-step coefficients, shared read-only
	sums                  [][]int64    // sums[w][4*i+q]: worker w's fixed-point sum of projection q at grid index i
	states                []chunkState // one per worker
	errs                  []error      // the first error of each worker
	failed                atomic.Bool  // a worker met an error: the others stop
}

func (s *simulation) Run(worker, lo, hi int) {
	if s.failed.Load() {
		return
	}
	if err := s.states[worker].run(lo, hi, s.seed, s.c0, s.gammaDt, s.lapDt, s.noise, s.sums[worker]); err != nil {
		if s.errs[worker] == nil {
			s.errs[worker] = err
		}
		s.failed.Store(true)
	}
}

// chunkState holds one chunk's particles, y[0] = <X,e_k>, y[1] = <X,e_m>
// on the masked path, y[2] = <X,e_k>, y[3] = <X,u> on the uniform path, and
// the step's normals and Philox words, all in rows of chunkSize so the vector
// kernel (euler_amd64.s) can address them at fixed offsets.
type chunkState struct {
	y     [4][chunkSize]float64
	z     [4][chunkSize]float64
	words [4 * chunkSize]uint32 // word q of particle p at q*chunkSize + p
	k     eulerConsts
}

// eulerConsts are the step's coefficients, each repeated over four lanes
// (the layout the vector kernel reads; see the offsets in euler_amd64.s).
type eulerConsts [21][4]float64

const (
	kOne = iota
	kMinusOne
	kHalf
	kEps
	kHalfPi
	kPi
	kGammaDt
	kLapDt
	kNoise
	kC0
	kPoly // asinPoly[0..10] follow
)

func (k *eulerConsts) set(row int, v float64) { k[row] = [4]float64{v, v, v, v} }

// run simulates particles [lo, hi) over the whole grid and adds their
// per-step sums to acc.
func (ch *chunkState) run(lo, hi int, seed uint64, c0 float64, gammaDt, lapDt, noise []float64, acc []int64) error {
	n := hi - lo
	for p := 0; p < n; p++ {
		ch.y[0][p], ch.y[1][p], ch.y[2][p], ch.y[3][p] = 0, 1, c0, 1
	}
	k := &ch.k
	k.set(kOne, 1)
	k.set(kMinusOne, -1)
	k.set(kHalf, 0.5)
	k.set(kEps, clampEps)
	k.set(kHalfPi, math.Pi/2)
	k.set(kPi, math.Pi)
	k.set(kC0, c0)
	for j, v := range asinPoly {
		k.set(kPoly+j, v)
	}
	steps := len(gammaDt)
	// The reference simulates steps 0 .. steps-2 and stores the state after
	// step i at grid index i+1; the last grid point is the exact endpoint.
	for i := 0; i+1 < steps; i++ {
		k.set(kGammaDt, gammaDt[i])
		k.set(kLapDt, lapDt[i])
		k.set(kNoise, noise[i])
		philoxStreams(ch.words[:], chunkSize, seed, uint64(i), uint64(lo), n)
		for q := 0; q < 4; q++ {
			words := ch.words[q*chunkSize : q*chunkSize+n]
			z := ch.z[q][:n]
			for p, w := range words {
				v, ok := rng.ZigguratFast(w)
				if !ok {
					v = slowNormal(w, seed, uint64(lo+p), uint64(i), q)
				}
				z[p] = v
			}
		}
		s := ch.step(n)
		if math.IsNaN(s[0]+s[1]+s[2]+s[3]) || math.IsInf(s[0]+s[1]+s[2]+s[3], 0) {
			return fmt.Errorf("tables: the projected simulation diverged at step %d (particles %d..%d)", i, lo, hi-1)
		}
		at := 4 * (i + 1)
		for q := 0; q < 4; q++ {
			acc[at+q] += int64(math.Round(s[q] * fixedScale))
		}
	}
	return nil
}

// step advances particles [0, n) by one Euler step and returns the sums of
// the new projections: the vector kernel takes whole groups of four where
// the CPU has one, the portable code the rest.
func (ch *chunkState) step(n int) [4]float64 {
	var lanes [4][4]float64
	m := eulerStepArch(ch, n, &lanes)
	var s [4]float64
	for q := range s {
		s[q] = ((lanes[q][0] + lanes[q][1]) + lanes[q][2]) + lanes[q][3]
	}
	t := ch.stepGo(m, n)
	for q := range s {
		s[q] += t[q]
	}
	return s
}

// stepGo is the Euler step of particles [from, to), the portable reference
// of the vector kernel:
//
//	y0 += gamma theta0 sin0 dt                 - (d/2) beta y0 dt + sqrt(beta dt) sin0 z0
//	y1 += -gamma y0 y1 ratio0 dt               - (d/2) beta y1 dt + sqrt(beta dt) sqrt(1-y1^2) z1
//	y2 += gamma theta2 sin2 dt                 - (d/2) beta y2 dt + sqrt(beta dt) sin2 z2
//	y3 += gamma (c0 - y2 y3) ratio2 dt         - (d/2) beta y3 dt + sqrt(beta dt) sqrt(1-y3^2) z3
//
// with theta = arccos(clip(y, -1, 1)), sin = sqrt(max(1-y^2, 0)) and
// ratio = max(theta, 1e-6)/max(sin, 1e-6), as the reference computes them.
func (ch *chunkState) stepGo(from, to int) [4]float64 {
	k := &ch.k
	g, lap, sq, c0 := k[kGammaDt][0], k[kLapDt][0], k[kNoise][0], k[kC0][0]
	var s0, s1, s2, s3 float64
	for p := from; p < to; p++ {
		a, b, c, e := ch.y[0][p], ch.y[1][p], ch.y[2][p], ch.y[3][p]

		// Masked path: theta is the angle to e_k.
		sinA := sinFromCos(a)
		thA := angleFromCosSin(clip1(a), sinA)
		ratioA := atLeast(thA, clampEps) / atLeast(sinA, clampEps)
		na := a + g*thA*sinA + lap*a + sq*sinA*ch.z[0][p]
		nb := b - g*a*b*ratioA + lap*b + sq*sinFromCos(b)*ch.z[1][p]

		// Uniform path.
		sinC := sinFromCos(c)
		thC := angleFromCosSin(clip1(c), sinC)
		ratioC := atLeast(thC, clampEps) / atLeast(sinC, clampEps)
		nc := c + g*thC*sinC + lap*c + sq*sinC*ch.z[2][p]
		ne := e + g*(c0-c*e)*ratioC + lap*e + sq*sinFromCos(e)*ch.z[3][p]

		ch.y[0][p], ch.y[1][p], ch.y[2][p], ch.y[3][p] = na, nb, nc, ne
		s0 += na
		s1 += nb
		s2 += nc
		s3 += ne
	}
	return [4]float64{s0, s1, s2, s3}
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

// slowNormal finishes a draw the ziggurat's fast path refused (about 1.5%
// of words) from its own stream position, so the result does not depend on
// which other draws needed the slow path.
func slowNormal(w uint32, seed, stream, step uint64, q int) float64 {
	s := rng.NewStream(seed, stream)
	s.Seek(uint64(q+1)<<40 | step<<20)
	return rng.ZigguratSlow(w, &s)
}

package process

import (
	"fmt"
	"math"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/sphere"
)

// GRWStep advances x by one step of the geodesic random walk,
//
//	x <- exp_x( sqrt(beta dt) z + drift dt ),  z ~ N(0, I_V),
//
// the Euler scheme of dX = drift dt + sqrt(beta) dW on the sphere (exp projects
// the ambient noise onto the tangent space). It draws V normals from s
// (V+1 when V is odd) and overwrites drift with the step's ambient vector, so
// it needs no scratch memory.
//
// Unlike the reference, x is renormalised after the step: exp already returns a
// unit vector in exact arithmetic, and this only stops float32 rounding from
// accumulating over thousands of steps.
func GRWStep[T sphere.Float](x, drift []T, beta, dt float64, s *rng.Stream) {
	if len(drift) != len(x) {
		panic(fmt.Sprintf("process.GRWStep: drift has %d coordinates, x has %d", len(drift), len(x)))
	}
	sd := math.Sqrt(beta * dt)
	// Noise pairs written straight into drift, in rng.Stream.Normals order.
	for i := 0; i < len(drift); i += 2 {
		a, b := rng.BoxMuller(s.Uint32(), s.Uint32())
		drift[i] = T(sd*a + dt*float64(drift[i]))
		if i+1 < len(drift) {
			drift[i+1] = T(sd*b + dt*float64(drift[i+1]))
		}
	}
	sphere.Exp(x, x, drift)
	sphere.Normalize(x, x)
}

// SimulateBridge simulates the bridge toward token from the given start over
// [0, t] with a geodesic random walk of n steps of t/n, the drift
// gamma log_x(e_k) taken at the start of each step (the reference's
// interpolant_simul). The result, a draw of X_t, goes into dst (length V).
// scratch must have length V (nil allocates one). Each step draws from s as
// GRWStep does. The evaluator uses n = 500; t may be 1, where the last step's
// drift pulls the walk onto the vertex.
func SimulateBridge[T sphere.Float](dst []T, start Start, token int, t float64, n int, sched schedule.Schedule, s *rng.Stream, scratch []T) error {
	v := len(dst)
	if err := checkXtArgs(v, start, token, 0); err != nil {
		return err
	}
	if !(t >= 0 && t <= 1) {
		return fmt.Errorf("process: bridge time %v outside [0, 1]", t)
	}
	if n < 1 {
		return fmt.Errorf("process: bridge simulation needs at least one step, got %d", n)
	}
	if scratch == nil {
		scratch = make([]T, v)
	}
	if len(scratch) != v {
		return fmt.Errorf("process: scratch has %d coordinates, want %d", len(scratch), v)
	}
	if err := StartPoint(dst, start); err != nil {
		return err
	}
	dt := t / float64(n)
	for i := 0; i < n; i++ {
		ti := t * float64(i) / float64(n)
		if err := BridgeDrift(scratch, dst, token, sched.Gamma(ti)); err != nil {
			return err
		}
		GRWStep(dst, scratch, sched.Beta(ti), dt, s)
	}
	return nil
}

// BridgeGrid cuts a simulated bridge into steps that stay accurate up to
// t -> 1: each step is at most MaxStep long and at most Frac (1-t) near the
// end. There gamma_t ~ 1/(1-t), so a fixed step of t/500 (the reference's)
// moves most of the way to the vertex in one Euler step from t = 0.998 on
// and leaves x_t at t = 0.9999 about 20 times farther from the vertex than
// the bridge's own spread.
type BridgeGrid struct {
	MaxStep float64 // longest step
	Frac    float64 // longest step as a share of 1-t
}

// DefaultBridgeGrid: 1/500 as the reference far from the end, steps of
// 5% of the time left near it (about 590 steps to t = 1-1e-4).
var DefaultBridgeGrid = BridgeGrid{MaxStep: 1.0 / 500, Frac: 0.05}

// Validate reports a grid that would not advance.
func (g BridgeGrid) Validate() error {
	if !(g.MaxStep > 0 && g.MaxStep <= 1) || !(g.Frac > 0 && g.Frac <= 1) {
		return fmt.Errorf("process: bridge grid steps %v and %v of (1-t) must lie in (0, 1]", g.MaxStep, g.Frac)
	}
	return nil
}

// step is the grid's step from t.
func (g BridgeGrid) step(t float64) float64 { return min(g.MaxStep, g.Frac*(1-t)) }

// Steps is the number of steps the grid takes from 0 to t.
func (g BridgeGrid) Steps(t float64) int {
	n, s := 0, 0.0
	for s < t {
		s = min(s+g.step(s), t)
		n++
	}
	return n
}

// SimulateBridgeTimes simulates one path of the bridge toward token from
// start, on grid, and records it at each of times (increasing, in [0, 1)):
// dst (len(times), V) gets X at times[j] in row j. Every row is a draw of
// X_t (one path read at several times, so the rows are correlated, as the
// points of one path are); the grid lands on every requested time. scratch
// must have length V.
//
// Each step is a BridgeStep, so steps of a few percent of 1-t reproduce the
// bridge's spread where Euler steps overshoot.
func SimulateBridgeTimes[T sphere.Float](dst []T, start Start, token int, times []float64, grid BridgeGrid, sched schedule.Schedule, s *rng.Stream, scratch []T) error {
	v := len(scratch)
	if len(dst) != len(times)*v {
		return fmt.Errorf("process: bridge output has %d values, want %d times x %d coordinates", len(dst), len(times), v)
	}
	if err := checkXtArgs(v, start, token, 0); err != nil {
		return err
	}
	if err := grid.Validate(); err != nil {
		return err
	}
	t := 0.0
	for j, target := range times {
		if !(target >= t && target < 1) {
			return fmt.Errorf("process: bridge times must increase within [0, 1), got %v after %v", target, t)
		}
		// The walk goes on in row j from where row j-1 stopped.
		x := dst[j*v : (j+1)*v]
		if j == 0 {
			if err := StartPoint(x, start); err != nil {
				return err
			}
		} else {
			copy(x, dst[(j-1)*v:j*v])
		}
		for t < target {
			h := grid.step(t)
			last := t+h >= target || target-(t+h) < 1e-12
			if last {
				h = target - t
			}
			if err := BridgeStep(x, scratch, token, t, t+h, sched, s); err != nil {
				return err
			}
			if last {
				t = target
			} else {
				t += h
			}
		}
	}
	return nil
}

// BridgeStep moves x from t0 to t1 < 1 along the bridge toward token: a
// geodesic random walk step whose pull and noise are the exact ones of the
// bridge's linearisation about the vertex, the OU bridge
// dY = -gamma Y dt + sqrt(beta) dW with gamma = beta/I, I(t) = int_t^1 beta.
// Over [t0, t1] that moves the share a = 1 - I(t1)/I(t0) of the way along
// the geodesic to e_k and adds noise of variance I(t1) a per coordinate. For
// short steps these are gamma h and beta h, the Euler step; near the end
// they stay exact where Euler overshoots the vertex. scratch (V) is
// overwritten; the stream is read as GRWStep reads it.
func BridgeStep[T sphere.Float](x, scratch []T, token int, t0, t1 float64, sched schedule.Schedule, s *rng.Stream) error {
	if !(t1 > t0 && t1 < 1) {
		return fmt.Errorf("process: bridge step from %v to %v must move forward within [0, 1)", t0, t1)
	}
	h := t1 - t0
	i0, i1 := sched.IntBeta(t0), sched.IntBeta(t1)
	pull := 1 - i1/i0
	if err := BridgeDrift(scratch, x, token, pull/h); err != nil {
		return err
	}
	GRWStep(x, scratch, i1*pull/h, h, s)
	return nil
}

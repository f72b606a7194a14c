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

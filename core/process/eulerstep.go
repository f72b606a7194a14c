package process

import (
	"math"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/sphere"
)

// EulerStep moves one free position a step of the reference walk (the
// sampler's RuleEuler): GenerativeDrift then GRWStep, fused. Those take
// eleven passes over the position's coordinates and compute theta_k/sin(theta_k) (an arccos and a square root)
// twice per token; this takes six passes and computes it once, with every
// float64 operation and every rounding to float32 the same, in the same
// order, so the walk is theirs bit for bit (TestEulerStepIsDriftThenGRWStep).
// The drift and the noise were a tenth of a step of the built-in model
// after its products were packed.
type EulerStep struct {
	f     []float64 // (K) theta_k/sin(theta_k) of the clipped x_k
	drift []float32 // (V) the drift, then the step's ambient vector
}

// NewEulerStep makes the scratch of a step for positions of v coordinates.
func NewEulerStep(v int) EulerStep {
	return EulerStep{f: make([]float64, v-1), drift: make([]float32, v)}
}

// Move advances x (V) by one geodesic random walk step with the drift
// P_x(gamma sum_k p_k log_x(e_k)) of the K = V-1 probabilities p, noise of
// variance beta dt from st, for a step of dt.
func (m *EulerStep) Move(x, p []float32, gamma, beta, dt float64, st *rng.Stream) {
	V := len(x)
	K := V - 1
	f, drift := m.f[:K], m.drift[:V]
	p = p[:K]

	// sphere.SumLogVertices: sum_k p_k log_x(e_k) = d - (sum_k d_k cos_k) x,
	// d_k = p_k theta_k/sin(theta_k).
	var s float64
	for k, pk := range p {
		c, fk := sphere.LogCoefficients(float64(x[k]))
		f[k] = fk
		d := float64(pk) * fk
		s += d * c
	}
	// ... written as float32, and with it the sums of sphere.Project's
	// tangent coefficient <x, drift>/<x, x>.
	var xv, xx float64
	for i := range drift {
		xi := float64(x[i])
		v := -s * xi
		if i < K {
			v += float64(p[i]) * f[i]
		}
		d := float32(v)
		drift[i] = d
		xv += xi * float64(d)
		xx += xi * xi
	}
	var c float64
	if xx != 0 {
		c = xv / xx
	}
	// sphere.Project, the scaling by gamma, then GRWStep's ambient
	// vector sqrt(beta dt) z + dt drift, z from Box-Muller pairs in stream
	// order, and the sum of sphere.Exp's tangent coefficient. <x, x> is the
	// sum above, the same terms in the same order.
	sd := math.Sqrt(beta * dt)
	xv = 0
	for i := 0; i < V; i += 2 {
		a, b := rng.BoxMuller(st.Uint32(), st.Uint32())
		xi := float64(x[i])
		g := float32(gamma * float64(float32(float64(drift[i])-c*xi)))
		u := float32(sd*a + dt*float64(g))
		drift[i] = u
		xv += xi * float64(u)
		if i+1 < V {
			xi := float64(x[i+1])
			g := float32(gamma * float64(float32(float64(drift[i+1])-c*xi)))
			u := float32(sd*b + dt*float64(g))
			drift[i+1] = u
			xv += xi * float64(u)
		}
	}
	c = 0
	if xx != 0 {
		c = xv / xx
	}
	// sphere.Exp: |P_x v|^2 summed directly, then cos|w| x + sinc|w| w.
	var n2 float64
	for i, v := range drift {
		w := float64(v) - c*float64(x[i])
		n2 += w * w
	}
	cs, sn := sphere.CosSinc(math.Sqrt(n2))
	var nn float64
	for i, v := range drift {
		xi := float64(x[i])
		y := float32(cs*xi + sn*(float64(v)-c*xi))
		x[i] = y
		nn += float64(y) * float64(y)
	}
	// sphere.Normalize.
	n := math.Sqrt(nn)
	if n == 0 {
		return
	}
	inv := 1 / n
	for i, v := range x {
		x[i] = float32(float64(v) * inv)
	}
}

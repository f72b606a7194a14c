package process

import (
	"fmt"
	"math"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/sphere"
)

// meanCoefficients returns mu(alpha) = a e_k + b s, s the start point
// (rdlm-math.md section 4):
//
//	masked:  mu = alpha e_k + sqrt(1-alpha^2) e_m
//	uniform: mu = (alpha/pn) e_k + (sqrt(1-alpha^2) - alpha c0/pn) u
//
// with c0 = 1/sqrt(V), pn = sqrt(1-c0^2). For the uniform start alpha is the
// weight of w = (e_k - c0 u)/pn, the unit vector orthogonal to u in the plane
// of e_k and u, so mu = alpha w + sqrt(1-alpha^2) u: alpha = 0 is u and
// alpha = pn is e_k.
func meanCoefficients(v int, start Start, alpha float64) (a, b float64) {
	s := math.Sqrt(math.Max(0, 1-alpha*alpha))
	if start == StartMasked {
		return alpha, s
	}
	c0 := 1 / math.Sqrt(float64(v))
	pn := math.Sqrt(1 - c0*c0)
	return alpha / pn, s - alpha*c0/pn
}

// startCoord is coordinate i of the start point of a V-dimensional position.
func startCoord(start Start, v, i int) float64 {
	if start == StartUniform {
		return 1 / math.Sqrt(float64(v))
	}
	if i == v-1 {
		return 1
	}
	return 0
}

func checkXtArgs(v int, start Start, token int, alpha float64) error {
	if v < 2 {
		return fmt.Errorf("process: a position needs V >= 2 coordinates, got %d", v)
	}
	if err := start.valid(); err != nil {
		return err
	}
	if token < 0 || token >= v-1 {
		return fmt.Errorf("process: token %d out of range [0, %d)", token, v-1)
	}
	if !(alpha >= 0 && alpha <= 1) {
		return fmt.Errorf("process: alpha %v outside [0, 1]", alpha)
	}
	return nil
}

// MeanDirection writes mu(alpha) toward token for the given start into dst
// (length V). It is a unit vector for every alpha in [0, 1].
func MeanDirection[T sphere.Float](dst []T, start Start, token int, alpha float64) error {
	if err := checkXtArgs(len(dst), start, token, alpha); err != nil {
		return err
	}
	a, b := meanCoefficients(len(dst), start, alpha)
	for i := range dst {
		m := b * startCoord(start, len(dst), i)
		if i == token {
			m += a
		}
		dst[i] = T(m)
	}
	return nil
}

// SampleXt draws x_t = exp_mu(rho P_mu(z)), z ~ N(0, I_V), into dst (length
// V): the wrapped tangent Gaussian around mu(alpha) that stands in for the
// bridge's marginal at time t in training (alpha and rho come from the x_t
// tables at t). It spends V normals of s (V+1 when V is odd) and allocates
// nothing: z is drawn into dst and mu is formed coordinate by coordinate.
func SampleXt[T sphere.Float](dst []T, start Start, token int, alpha, rho float64, s *rng.Stream) error {
	v := len(dst)
	if err := checkXtArgs(v, start, token, alpha); err != nil {
		return err
	}
	if !(rho >= 0) || math.IsInf(rho, 1) {
		return fmt.Errorf("process: rho %v is not a finite value >= 0", rho)
	}
	a, b := meanCoefficients(v, start, alpha)
	// mu_i = rest for every coordinate but the token's and the mask's.
	rest, atMask := 0.0, b
	if start == StartUniform {
		rest = b / math.Sqrt(float64(v))
		atMask = rest
	}
	mu := func(i int) float64 {
		switch i {
		case token:
			return rest + a
		case v - 1:
			return atMask
		}
		return rest
	}
	fillNormals(dst, s)
	// <mu, z> from the two directions mu is made of.
	var zs float64
	if start == StartUniform {
		for _, z := range dst {
			zs += float64(z)
		}
		zs /= math.Sqrt(float64(v))
	} else {
		zs = float64(dst[v-1])
	}
	c := a*float64(dst[token]) + b*zs
	var n2 float64
	for i, z := range dst {
		w := float64(z) - c*mu(i)
		n2 += w * w
	}
	cs, sn := sphere.CosSinc(rho * math.Sqrt(n2))
	for i, z := range dst {
		m := mu(i)
		dst[i] = T(cs*m + sn*rho*(float64(z)-c*m))
	}
	return nil
}

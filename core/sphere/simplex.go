package sphere

import (
	"fmt"
	"math"
)

// FromSimplex writes sqrt(p / sum(p)) into dst: the point of the positive
// orthant that the Fisher-Rao geometry assigns to the categorical p. p is
// renormalised so that rounding in its sum does not move the point off the
// sphere. Negative, NaN or infinite entries, or an all-zero p, are errors.
func FromSimplex[T Float](dst, p []T) error {
	sameLen("FromSimplex", len(dst), len(p))
	var s float64
	for i, v := range p {
		f := float64(v)
		if !(f >= 0) || math.IsInf(f, 1) {
			return fmt.Errorf("sphere: probability %d is %v, want a finite value >= 0", i, f)
		}
		s += f
	}
	if s == 0 {
		return fmt.Errorf("sphere: probabilities sum to zero")
	}
	for i, v := range p {
		dst[i] = T(math.Sqrt(float64(v) / s))
	}
	return nil
}

// ToSimplex maps a point of the sphere back to probabilities: clamp at 0,
// renormalise, square. It reports false, with dst all zero, when no
// coordinate is positive (the reference would produce NaNs there). dst may
// alias x.
func ToSimplex[T Float](dst, x []T) bool {
	sameLen("ToSimplex", len(dst), len(x))
	var s float64
	for _, v := range x {
		if v > 0 {
			s += float64(v) * float64(v)
		}
	}
	if s == 0 {
		clear(dst)
		return false
	}
	inv := 1 / s
	for i, v := range x {
		if v > 0 {
			dst[i] = T(float64(v) * float64(v) * inv)
		} else {
			dst[i] = 0
		}
	}
	return true
}

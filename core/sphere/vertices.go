package sphere

// SumLogVertices writes sum_k p_k log_x(e_k) into dst. It needs only the
// coordinates of x: the angle to vertex k is theta_k = arccos(clip(x_k)), so
// the sum is d - (sum_k d_k cos_k) x with d_k = p_k theta_k/sin(theta_k). This
// is the denoiser's expected direction to the data, O(V) instead of O(V^2).
//
// p may be shorter than x (len(p) <= len(x)): missing entries have probability
// zero. The network predicts K tokens and the mask coordinate, the last one,
// never receives probability. Each term matches LogVertex, clip included.
// dst may alias x: coordinate i is written only after it was last read.
func SumLogVertices[T Float](dst, x, p []T) {
	sameLen("SumLogVertices", len(dst), len(x))
	if len(p) > len(x) {
		panic("sphere.SumLogVertices: more probabilities than coordinates")
	}
	var s float64 // sum_k d_k cos_k
	for k, pk := range p {
		c := clipCos(float64(x[k]))
		d := float64(pk) * thetaOverSin(c)
		s += d * c
	}
	for i := range dst {
		xi := float64(x[i])
		v := -s * xi
		if i < len(p) {
			c := clipCos(xi)
			v += float64(p[i]) * thetaOverSin(c)
		}
		dst[i] = T(v)
	}
}

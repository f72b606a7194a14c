package process

import (
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/sphere"
)

// fillNormals fills dst with standard normals from s, spending the stream's
// words exactly as rng.Stream.Normals does, so float32 and float64 callers see
// the same variates.
func fillNormals[T sphere.Float](dst []T, s *rng.Stream) {
	for i := 0; i+1 < len(dst); i += 2 {
		a, b := rng.BoxMuller(s.Uint32(), s.Uint32())
		dst[i], dst[i+1] = T(a), T(b)
	}
	if len(dst)%2 == 1 {
		a, _ := rng.BoxMuller(s.Uint32(), s.Uint32())
		dst[len(dst)-1] = T(a)
	}
}

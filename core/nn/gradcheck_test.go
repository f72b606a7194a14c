package nn

import "github.com/rdlm-go/rdlm/internal/testutil"

// randn returns n standard normal float64 values from stream s of this
// package's fixed test seed.
func randn(s uint64, n int) []float64 { return testutil.Normals(12345, s, n) }

// gradTol is the norm-relative tolerance of the float64 gradient checks:
// central differences with step 1e-5 are good to about 1e-9 on these ops.
const gradTol = 1e-7

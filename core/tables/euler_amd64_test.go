package tables

import (
	"github.com/rdlm-go/rdlm/core/process"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/internal/testutil"
)

// On a CPU with AVX2 and FMA the vector kernel must actually run (else the
// comparison with the portable step would compare the portable step with
// itself).
func TestEulerVectorKernelRuns(t *testing.T) {
	if !hasAVX2FMA {
		t.Log("no AVX2+FMA: the portable step is used")
		require.Zero(t, eulerStepArch(&chunkState{}, 12, &[4][4]float64{}))
		return
	}
	var ch chunkState
	require.Equal(t, 252, eulerStepArch(&ch, 255, &[4][4]float64{}))
}

// The portable code path (what js/wasm and CPUs without AVX2 run) builds the
// same tables as the vector kernels, up to rounding: the Philox words are
// identical and the Euler steps agree to about 1e-15 per step.
func TestPortablePathBuildsSameTables(t *testing.T) {
	cfg := DefaultConfig(27)
	cfg.Particles = 300
	cfg.Steps = 2000
	vec, err := Build(cfg)
	require.NoError(t, err)
	saveA, saveB := hasAVX2, hasAVX2FMA
	hasAVX2, hasAVX2FMA = false, false
	defer func() { hasAVX2, hasAVX2FMA = saveA, saveB }()
	port, err := Build(cfg)
	require.NoError(t, err)
	for p := process.StartMasked; p <= process.StartUniform; p++ {
		require.InDeltaSlice(t, testutil.ToF64(vec.EK[p]), testutil.ToF64(port.EK[p]), 1e-6)
		require.InDeltaSlice(t, testutil.ToF64(vec.Start[p]), testutil.ToF64(port.Start[p]), 1e-6)
		require.InDeltaSlice(t, testutil.ToF64(vec.Alpha[p]), testutil.ToF64(port.Alpha[p]), 1e-5)
		require.InDeltaSlice(t, testutil.ToF64(vec.Rho[p]), testutil.ToF64(port.Rho[p]), 1e-5)
	}
}

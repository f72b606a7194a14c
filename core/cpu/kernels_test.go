package cpu

import (
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSetKernelsRejectsUnknown(t *testing.T) {
	before := KernelName()
	_, err := SetKernels("sse9")
	require.ErrorContains(t, err, "not available")
	require.Equal(t, before, KernelName())
}

// The default is the fastest set this CPU has; on amd64 with AVX-512 that
// is "avx512", and js/wasm and other architectures always run "go".
func TestDefaultKernelsIsFastestAvailable(t *testing.T) {
	if os.Getenv(kernelsEnv) != "" {
		require.Equal(t, os.Getenv(kernelsEnv), KernelName())
		return
	}
	names := AvailableKernels()
	require.Equal(t, names[len(names)-1], KernelName())
	require.Equal(t, "go", names[0])
	if runtime.GOARCH != "amd64" {
		require.Equal(t, []string{"go"}, names)
	}
}

func TestSetThreads(t *testing.T) {
	prev := SetThreads(3)
	require.Equal(t, 3, Threads())
	SetThreads(0)
	require.Equal(t, runtime.GOMAXPROCS(0), Threads())
	SetThreads(prev)
}

// RDLM_KERNELS picks the kernel set at start-up: empty means the fastest,
// a name forces that set, and a set this CPU lacks is an error.
func TestKernelsFromEnv(t *testing.T) {
	names := AvailableKernels()
	ks, err := kernelsFromEnv("")
	require.NoError(t, err)
	require.Equal(t, names[len(names)-1], ks.name)
	for _, n := range names {
		ks, err := kernelsFromEnv(" " + n + "\n")
		require.NoError(t, err)
		require.Equal(t, n, ks.name)
	}
	_, err = kernelsFromEnv("avx1024")
	require.ErrorContains(t, err, "avx1024")
}

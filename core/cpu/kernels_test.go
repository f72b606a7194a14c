package cpu

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
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

// RDLM_KERNELS=go forces the portable path in a fresh process (the variable
// is read once, at start-up).
func TestKernelsEnvForcesPath(t *testing.T) {
	if os.Getenv("RDLM_KERNELS_CHILD") == "1" {
		// In the child: report, and let the parent check.
		os.Stdout.WriteString("kernels=" + KernelName() + "\n")
		return
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^TestKernelsEnvForcesPath$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "RDLM_KERNELS_CHILD=1", kernelsEnv+"=go")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.True(t, strings.Contains(string(out), "kernels=go\n"), string(out))
}

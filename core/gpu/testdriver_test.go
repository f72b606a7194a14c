package gpu

import (
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// swiftShaderICD is SwiftShader's CPU Vulkan driver from Debian's
// chromium-common, the adapter the tests run on when no GPU is present.
const swiftShaderICD = "/usr/lib/chromium/vk_swiftshader_icd.json"

var (
	sharedOnce   sync.Once
	sharedDriver Driver
	sharedErr    error
)

// testDriver returns one Driver shared by the package's tests. A missing
// library, driver or adapter fails the test (never skips) with what is
// missing and how to install it.
func testDriver(t testing.TB) Driver {
	t.Helper()
	sharedOnce.Do(func() {
		// RDLM_WEBGPU_REAL_GPU keeps the system's Vulkan drivers (gpu_bench.sh).
		if os.Getenv("VK_ICD_FILENAMES") == "" && os.Getenv("RDLM_WEBGPU_REAL_GPU") == "" {
			if _, err := os.Stat(swiftShaderICD); err == nil {
				os.Setenv("VK_ICD_FILENAMES", swiftShaderICD)
			}
		}
		sharedDriver, sharedErr = Open(Options{})
	})
	require.NoError(t, sharedErr, "the WebGPU tests need a webgpu.h library and a Vulkan driver: run core/gpu/testenv/install.sh")
	return sharedDriver
}

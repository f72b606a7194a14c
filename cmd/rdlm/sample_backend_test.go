package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/stretchr/testify/require"
)

// splitCheckpoint converts the LM1B-style fixture (token ids as base-3
// digits, no vocabulary: the samples print as ids).
func splitCheckpoint(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lm1b")
	code, _, errs := runCLI("convert", "--from", filepath.Join(convertFixtures, "lm1b_tiny.pth"), "--out", dir)
	require.Equal(t, 0, code, errs)
	return dir
}

// swiftShaderICD is SwiftShader's CPU Vulkan driver (Debian's
// chromium-common), the adapter the device tests run on without a GPU.
const swiftShaderICD = "/usr/lib/chromium/vk_swiftshader_icd.json"

// deviceAvailable says whether a WebGPU device opens here, pointing Vulkan
// at SwiftShader when no driver is named (as core/gpu's tests do).
func deviceAvailable(t *testing.T) bool {
	if os.Getenv("VK_ICD_FILENAMES") == "" && os.Getenv("RDLM_WEBGPU_REAL_GPU") == "" {
		if _, err := os.Stat(swiftShaderICD); err == nil {
			t.Setenv("VK_ICD_FILENAMES", swiftShaderICD)
		}
	}
	d, err := gpu.Open(gpu.Options{})
	if err != nil {
		return false
	}
	d.Close()
	return true
}

func sampleLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		lines = append(lines, m)
	}
	return lines
}

// --backend webgpu runs on the device or fails: a split text model used to
// run on the CPU silently, even with no WebGPU library at all. Only auto
// may fall back, and then it says why on stderr.
func TestSampleBackendWebGPUNeverFallsBackSilently(t *testing.T) {
	for _, dir := range []string{splitCheckpoint(t), tinyCheckpoint(t)} {
		args := []string{"sample", "--model", dir, "--steps", "3", "--seed", "1", "--n", "3", "--json"}
		missing := filepath.Join(t.TempDir(), "no-such-libwebgpu.so")
		code, out, errs := runCLI(append(args, "--backend", "webgpu", "--webgpu-lib", missing)...)
		requireOneLineError(t, 1, code, errs, "sample", "webgpu", missing)
		require.Empty(t, out)

		code, cpuOut, errs := runCLI(append(args, "--backend", "cpu")...)
		require.Equal(t, 0, code, errs)
		require.Empty(t, errs)
		cpu := sampleLines(t, cpuOut)
		require.Len(t, cpu, 3)
		for _, l := range cpu {
			require.Equal(t, "CPU", l["backend"])
		}

		code, out, errs = runCLI(append(args, "--backend", "auto", "--webgpu-lib", missing)...)
		require.Equal(t, 0, code, errs)
		require.Equal(t, cpuOut, out)
		require.Equal(t, 1, strings.Count(errs, "\n"), errs)
		require.Contains(t, errs, "rdlm sample: running on the CPU: ")
		require.Contains(t, errs, missing)

		if !deviceAvailable(t) {
			t.Log("no WebGPU device here: the device half is not run")
			continue
		}
		code, out, errs = runCLI(append(args, "--backend", "webgpu")...)
		require.Equal(t, 0, code, errs)
		dev := sampleLines(t, out)
		require.Len(t, dev, 3)
		for i, l := range dev {
			require.NotEqual(t, "CPU", l["backend"], "the device ran: %v", l)
			require.Equal(t, cpu[i]["text"], l["text"], "the same seed gives the same sample on either")
		}
	}
}

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

	}
}

// tinyImageCheckpoint is a random 4x4 grey image model, each value two
// base-16 digits (the mnist-split layout), small enough for SwiftShader.
func tinyImageCheckpoint(t *testing.T) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "image.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"model": {"vocab": 16, "length": 32, "hidden": 32, "heads": 2, "blocks": 1, "cond": 32},
		"process": {"vocab": "mnist14", "image": {"height": 4, "width": 4, "channels": 1}, "split": {"vocab": 256, "base": 16, "digits": 2}}}`), 0o644))
	dir := filepath.Join(t.TempDir(), "image")
	code, _, errs := runCLI("init", "--config", cfg, "--seed", "2", "--no-zero-init", "--out", dir)
	require.Equal(t, 0, code, errs)
	return dir
}

// On a device the CLI's samples are the CPU's for the same seed: free text,
// prompts, templates, traces, split ids and images. auto leaves a software
// adapter (SwiftShader) for the CPU and says so.
func TestSampleOnTheDeviceMatchesTheCPU(t *testing.T) {
	require.True(t, deviceAvailable(t), "no WebGPU device opens here: core/gpu/testenv/install.sh installs Dawn and SwiftShader (make test does)")
	text, split := tinyCheckpoint(t), splitCheckpoint(t)
	tmp := t.TempDir()
	for i, args := range [][]string{
		{"--model", text, "--steps", "4", "--seed", "1", "--n", "3", "--batch", "2"},
		{"--model", text, "--steps", "4", "--seed", "2", "--n", "2", "--prompt", "the king", "--length", "20"},
		{"--model", text, "--steps", "4", "--seed", "3", "--n", "2", "--template", "to be or ___ to be"},
		{"--model", split, "--steps", "3", "--seed", "1", "--n", "3"},
		{"--model", tinyImageCheckpoint(t), "--steps", "3", "--seed", "4", "--n", "2", "--png", filepath.Join(tmp, "grid.png")},
		{"--model", text, "--steps", "3", "--seed", "5", "--n", "2", "--length", "12", "--prompt", "ab", "--trace", filepath.Join(tmp, "trace.json")},
	} {
		outputs := map[string]string{}
		for _, backend := range []string{"cpu", "webgpu"} {
			code, out, errs := runCLI(append(append([]string{"sample"}, args...), "--backend", backend)...)
			require.Equal(t, 0, code, errs)
			for _, file := range []string{"grid.png", "trace.json"} {
				if b, err := os.ReadFile(filepath.Join(tmp, file)); err == nil {
					out += string(b)
					require.NoError(t, os.Remove(filepath.Join(tmp, file)))
				}
			}
			outputs[backend] = out
		}
		if strings.Contains(args[len(args)-2], "trace") {
			requireSameTrace(t, outputs["cpu"], outputs["webgpu"])
			continue
		}
		require.Equal(t, outputs["cpu"], outputs["webgpu"], "case %d: %v", i, args)
	}

	// The device ran, and says so.
	for _, dir := range []string{text, split} {
		code, out, errs := runCLI("sample", "--model", dir, "--steps", "2", "--json", "--backend", "webgpu")
		require.Equal(t, 0, code, errs)
		require.NotEqual(t, "CPU", sampleLines(t, out)[0]["backend"])
	}
	code, out, errs := runCLI("sample", "--model", text, "--steps", "3", "--seed", "1", "--json", "--backend", "auto")
	require.Equal(t, 0, code, errs)
	if line := sampleLines(t, out)[0]; line["backend"] == "CPU" {
		require.Contains(t, errs, "is a software one, slower than the CPU")
	}
}

// requireSameTrace compares the text and trace files of two runs: the same
// texts and most probable tokens, probabilities within float rounding.
func requireSameTrace(t *testing.T, a, b string) {
	t.Helper()
	decode := func(s string) sampleTrace {
		var tr sampleTrace
		require.NoError(t, json.Unmarshal([]byte(s[strings.Index(s, "{"):]), &tr))
		return tr
	}
	ta, tb := decode(a), decode(b)
	require.Equal(t, a[:strings.Index(a, "{")], b[:strings.Index(b, "{")])
	require.Equal(t, len(ta.Samples), len(tb.Samples))
	for i, s := range ta.Samples {
		require.Equal(t, s.Text, tb.Samples[i].Text)
		require.Len(t, tb.Samples[i].Trace, len(s.Trace))
		for k, st := range s.Trace {
			other := tb.Samples[i].Trace[k]
			require.Equal(t, st.T, other.T)
			require.Equal(t, st.Top, other.Top)
			require.InDeltaSlice(t, st.Prob, other.Prob, 1e-5)
		}
	}
}

//go:build js && wasm

package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The page's engine runs the walk on the device (the browser's WebGPU, here
// Node's Dawn): for a seed it gives the CPU's texts, prompts and templates
// held, and the live view's steps, and images alike. Run under
// core/gpu/testenv/go_js_wasm_exec; a missing adapter fails.
func TestDeviceWalkGivesTheCPUsSamples(t *testing.T) {
	m := loadTiny(t)
	dev := NewEngine(openWebGPU)
	for _, req := range []Request{
		{Steps: 6, Length: 12, Samples: 3, Seed: 9},
		{Steps: 4, Samples: 2, Seed: 1, Prompt: "to be"},
		{Steps: 4, Samples: 2, Seed: 2, Template: "the ___ of __"},
		{Steps: 7, Samples: 2, Seed: 2, Template: "the ___ of __"}, // new steps, the same device
	} {
		var devSteps, cpuSteps int
		got, err := dev.Generate(1, m, req, Hooks{Step: func(*StepEvent) { devSteps++ }})
		require.NoError(t, err, "%+v", req)
		require.True(t, got.Backend.GPU, "the device ran: %+v", got.Backend)
		want, err := NewEngine(nil).Generate(1, m, req, Hooks{Step: func(*StepEvent) { cpuSteps++ }})
		require.NoError(t, err)
		require.Equal(t, want.Texts, got.Texts, "%+v", req)
		require.Equal(t, cpuSteps, devSteps)
	}
	cfg, w := checkpointBytes(t, imageModelConfig(1, true), imageProcess(1, true))
	img, err := LoadModel(cfg, w)
	require.NoError(t, err)
	req := Request{Steps: 3, Samples: 2, Seed: 5}
	got, err := dev.Generate(2, img, req, Hooks{})
	require.NoError(t, err)
	require.True(t, got.Backend.GPU)
	want, err := NewEngine(nil).Generate(2, img, req, Hooks{})
	require.NoError(t, err)
	require.Equal(t, want.Pixels, got.Pixels)
}

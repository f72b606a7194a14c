package shaders

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVariantsComeFromOneSource checks that the f32 and f16 variants of
// every kernel differ only in the prelude (the f16 one cannot be compiled on
// adapters without shader-f16, such as SwiftShader; core/gpu compiles every
// f32 variant).
func TestVariantsComeFromOneSource(t *testing.T) {
	names := Names()
	for _, want := range []string{"linear", "layernorm", "rotary", "attention", "gelu", "silu", "residual", "timeembed", "softmax", "sphere",
		"linear_backward_input", "linear_backward_weight", "layernorm_backward", "layernorm_backward_params", "colsum",
		"attention_backward_query", "attention_backward_key", "gelu_backward", "silu_backward", "residual_backward",
		"crossentropy", "sum", "clip", "adamw", "top"} {
		require.Contains(t, names, want)
	}
	for _, n := range names {
		f32, err := Source(n, false, map[string]uint32{"HD": 16})
		require.NoError(t, err)
		f16, err := Source(n, true, map[string]uint32{"HD": 16})
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(f32, "alias wt = f32;\nconst HD: u32 = 16u;\n"), n)
		require.True(t, strings.HasPrefix(f16, "enable f16;\nalias wt = f16;\nconst HD: u32 = 16u;\n"), n)
		require.Equal(t, strings.TrimPrefix(f32, "alias wt = f32;\n"), strings.TrimPrefix(f16, "enable f16;\nalias wt = f16;\n"), n)
		require.Contains(t, f32, "fn main(", n)
	}
	_, err := Source("nonexistent", false, nil)
	require.Error(t, err)
}

// Kernels that share the workgroup reduction get it from lib/reduce.wgsl,
// exactly once, ahead of their own code; so do those sharing the training
// step's uniform (lib/step.wgsl).
func TestSharedSnippetsAreIncluded(t *testing.T) {
	for _, name := range []string{"layernorm", "sphere", "layernorm_backward", "crossentropy"} {
		src, err := Source(name, false, nil)
		require.NoError(t, err)
		require.Equal(t, 1, strings.Count(src, "fn reduce("), name)
		require.Less(t, strings.Index(src, "fn reduce("), strings.Index(src, "@compute"), name)
	}
	src, err := Source("timeembed", false, nil)
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(src, "fn sin_small("))
	for _, name := range []string{"clip", "adamw"} {
		src, err := Source(name, false, nil)
		require.NoError(t, err)
		require.Equal(t, 1, strings.Count(src, "struct Step {"), name)
	}
}

// The constants shared with the CPU code come from their Go owners, in every
// kernel's prelude; no kernel types them itself.
func TestSharedConstantsComeFromGo(t *testing.T) {
	src, err := Source("layernorm", false, nil)
	require.NoError(t, err)
	for _, want := range []string{
		"const LN_EPS: f32 = 1e-05;\n",
		"const GELU_SCALE: f32 = 0.7978845608028654;\n",
		"const GELU_CUBIC: f32 = 0.044715;\n",
		"const LOG_CLIP: f32 = 1e-06;\n",
		"const EXP_SERIES_BELOW: f32 = 0.0001;\n",
		"const PHILOX_MUL_A: u32 = 3528531795u;\n",
		"const PHILOX_ROUNDS: u32 = 10u;\n",
	} {
		require.Contains(t, src, want)
	}
	for _, n := range Names() {
		body, err := files.ReadFile(n + ".wgsl")
		require.NoError(t, err)
		for _, literal := range []string{"1e-5", "1e-6", "1e-4", "0.7978845608028654", "0.044715", "0xD2511F53", "0xCD9E8D57", "0x9E3779B9", "0xBB67AE85"} {
			require.NotContains(t, string(body), literal, "%s.wgsl retypes a constant shared with the CPU code", n)
		}
	}
	_, err = Source("layernorm", false, map[string]uint32{"LN_EPS": 1})
	require.ErrorContains(t, err, "shared with the CPU code")
	require.Equal(t, "2.0", wgslFloat(2))
}

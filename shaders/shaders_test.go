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
	for _, want := range []string{"linear", "layernorm", "rotary", "attention", "gelu", "silu", "residual", "timeembed", "softmax", "sphere"} {
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
// exactly once, ahead of their own code.
func TestSharedSnippetsAreIncluded(t *testing.T) {
	for _, name := range []string{"layernorm", "sphere"} {
		src, err := Source(name, false, nil)
		require.NoError(t, err)
		require.Equal(t, 1, strings.Count(src, "fn reduce("), name)
		require.Less(t, strings.Index(src, "fn reduce("), strings.Index(src, "@compute"), name)
	}
}

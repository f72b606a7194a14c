package gpu

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const addKernel = `
@group(0) @binding(0) var<storage, read_write> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> b: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
	if (id.x < arrayLength(&a)) { a[id.x] = a[id.x] + 2.0 * b[id.x]; }
}`

// TestDriverRoundTrip writes two buffers, runs one dispatch and reads the
// result back: the smallest proof that shaders really execute (Dawn's Null
// backend would return zeros).
func TestDriverRoundTrip(t *testing.T) {
	d := testDriver(t)
	info := d.Adapter()
	t.Logf("adapter: %v", info)
	// Values SwiftShader and every WebGPU adapter report; a wrong struct
	// layout in the native driver would read garbage here.
	require.GreaterOrEqual(t, info.MaxWGInvoc, uint32(256))
	require.GreaterOrEqual(t, info.MaxWGStore, uint32(16384))
	require.GreaterOrEqual(t, info.MaxBinding, uint64(128<<20))
	require.Equal(t, uint32(0), info.MinAlign&(info.MinAlign-1), "alignment %d is a power of two", info.MinAlign)

	const n = 1000
	a, b := make([]float32, n), make([]float32, n)
	for i := range a {
		a[i], b[i] = float32(i), float32(3*i+1)
	}
	ba, err := d.CreateBuffer("a", 4*n, Storage)
	require.NoError(t, err)
	bb, err := d.CreateBuffer("b", 4*n, Storage)
	require.NoError(t, err)
	d.WriteBuffer(ba, 0, f32Bytes(a))
	d.WriteBuffer(bb, 0, f32Bytes(b))
	k, err := d.CreateKernel("add", addKernel)
	require.NoError(t, err)
	g, err := d.CreateGroup(k, []Binding{{Buf: ba}, {Buf: bb}})
	require.NoError(t, err)
	d.BeginStream()
	d.Dispatch(k, g, (n+63)/64, 1, 1)
	require.NoError(t, d.Submit())
	got := make([]float32, n)
	require.NoError(t, d.Read(ba, 0, f32Bytes(got)))
	for i := range got {
		require.Equal(t, a[i]+2*b[i], got[i], "element %d", i)
	}
}

// TestDriverReportsShaderErrors checks that invalid WGSL is an error, not a
// silent no-op.
func TestDriverReportsShaderErrors(t *testing.T) {
	d := testDriver(t)
	_, err := d.CreateKernel("broken", "@compute @workgroup_size(1) fn main() { let x: f32 = undefined_thing; }")
	require.Error(t, err)
	require.Contains(t, err.Error(), "undefined_thing")
}

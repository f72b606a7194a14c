// colsum: adds the column sums of a (rows, cols) matrix onto a vector,
//   out[out_off + j] += sum_r in[r * cols + j]
// one thread per column, rows summed in order: how per-sequence partial
// gradients become a parameter's gradient.
struct Params { rows: u32, cols: u32, out_off: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
	let j = gid.x;
	if (j >= p.cols) {
		return;
	}
	var s = 0.0;
	for (var r = 0u; r < p.rows; r++) {
		s += src[r * p.cols + j];
	}
	out[p.out_off + j] = out[p.out_off + j] + s;
}

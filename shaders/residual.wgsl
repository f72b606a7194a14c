// residual: the gated residual h += gate * y, one gate vector per sequence
// taken from the modulation at gate_off.
//   h, y (rows, d);  mod (batch, mod_stride);  row r is in sequence r / l
struct Params { rows: u32, d: u32, l: u32, mod_stride: u32, gate_off: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> h: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> mods: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
	let i = gid.x + gid.y * nwg.x * 256u;
	if (i < p.rows * p.d) {
		let r = i / p.d;
		let j = i % p.d;
		h[i] = h[i] + mods[(r / p.l) * p.mod_stride + p.gate_off + j] * y[i];
	}
}

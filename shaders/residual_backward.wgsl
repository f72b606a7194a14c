// residual_backward: the backward of residual.wgsl (h += gate y), one thread
// per (sequence, feature): the branch's gradient dy = gate dh for every row,
// and the gate's, sum over the sequence's rows of dh y, written into its
// column of the modulation's gradient. dh itself passes through unchanged.
//
//   dh, y, dy (batch*l, d);  mod, dmod (batch, mod_stride): gate at gate_off
struct Params { batch: u32, d: u32, l: u32, mod_stride: u32, gate_off: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dh: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> mods: array<f32>;
@group(0) @binding(4) var<storage, read_write> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dmod: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
	let i = gid.x + gid.y * nwg.x * 256u;
	if (i >= p.batch * p.d) {
		return;
	}
	let b = i / p.d;
	let j = i % p.d;
	let m = b * p.mod_stride + p.gate_off + j;
	let gate = mods[m];
	var dg = 0.0;
	for (var r = b * p.l; r < (b + 1u) * p.l; r++) {
		let a = r * p.d + j;
		let g = dh[a];
		dy[a] = gate * g;
		dg += g * y[a];
	}
	dmod[m] = dg;
}

// layernorm: the reference's LayerNorm (no bias, learnable weight) fused with
// the adaLN modulation of its sequence:
//   out = ((x - mean) rstd w) (1 + scale) + shift,  rstd = 1/sqrt(var + LN_EPS)
// One workgroup per row (rows beyond 65535 spill into wg.y); mean and
// variance in two reductions, as the CPU does.
//
//   x, out (rows, d);  w (d) at w_off;  mod (batch, mod_stride): shift at
//   shift_off, scale at scale_off; row r belongs to sequence r / l
struct Params { rows: u32, d: u32, l: u32, mod_stride: u32, shift_off: u32, scale_off: u32, w_off: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<wt>;
@group(0) @binding(3) var<storage, read> mods: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;


//!use reduce
//!use lnstats

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
	let r = wg.x + wg.y * nwg.x;
	if (r >= p.rows) {
		return;
	}
	let lid = li.x;
	let base = r * p.d;
	let st = ln_stats(lid, base, p.d);
	let mean = st.x;
	let rs = st.y;
	let m = (r / p.l) * p.mod_stride;
	for (var j = lid; j < p.d; j += 64u) {
		let xh = (x[base + j] - mean) * rs * f32(w[p.w_off + j]);
		out[base + j] = xh * (1.0 + mods[m + p.scale_off + j]) + mods[m + p.shift_off + j];
	}
}

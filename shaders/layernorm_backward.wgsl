// layernorm_backward: the input gradient of layernorm.wgsl, row by row:
//   dxhat = dout (1 + scale) w
//   dx (+)= (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) rstd
// The row's mean and rstd are recomputed with the forward's reductions (so
// they are the forward's to the bit) and saved in stats for the parameter
// gradients (layernorm_backward_params.wgsl). With accumulate set dx adds
// onto the residual stream's gradient, else it overwrites it.
//
//   dout, x, dx (rows, d);  w (d) at w_off;  mod (batch, mod_stride): scale at
//   scale_off;  stats (rows, 2): mean, rstd;  row r is in sequence r / l
struct Params { rows: u32, d: u32, l: u32, mod_stride: u32, scale_off: u32, w_off: u32, accumulate: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<wt>;
@group(0) @binding(4) var<storage, read> mods: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> stats: array<f32>;

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
	let m = (r / p.l) * p.mod_stride + p.scale_off;
	var sg = 0.0;
	var sgx = 0.0;
	for (var j = lid; j < p.d; j += 64u) {
		let xh = (x[base + j] - mean) * rs;
		let dxh = dout[base + j] * (1.0 + mods[m + j]) * f32(w[p.w_off + j]);
		sg += dxh;
		sgx += dxh * xh;
	}
	sg = reduce(lid, sg) / f32(p.d);
	sgx = reduce(lid, sgx) / f32(p.d);
	for (var j = lid; j < p.d; j += 64u) {
		let xh = (x[base + j] - mean) * rs;
		let dxh = dout[base + j] * (1.0 + mods[m + j]) * f32(w[p.w_off + j]);
		var v = (dxh - sg - xh * sgx) * rs;
		if (p.accumulate != 0u) {
			v += dx[base + j];
		}
		dx[base + j] = v;
	}
	if (lid == 0u) {
		stats[2u * r] = mean;
		stats[2u * r + 1u] = rs;
	}
}

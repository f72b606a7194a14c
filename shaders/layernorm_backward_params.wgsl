// layernorm_backward_params: the parameter and modulation gradients of
// layernorm.wgsl, one thread per (sequence, feature), summing over the
// sequence's rows:
//   dshift = sum dout,  dscale = sum dout xhat w,  dw_part = sum dout (1+scale) xhat
// dshift and dscale overwrite their columns of the modulation's gradient;
// each sequence's share of the weight gradient goes to part, which colsum
// then adds into the gradient buffer (no float atomics in WGSL).
//
//   dout, x (batch*l, d);  stats (batch*l, 2) from layernorm_backward
//   w (d) at w_off;  mod, dmod (batch, mod_stride);  part (batch, d)
struct Params { batch: u32, d: u32, l: u32, mod_stride: u32, shift_off: u32, scale_off: u32, w_off: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> w: array<wt>;
@group(0) @binding(5) var<storage, read> mods: array<f32>;
@group(0) @binding(6) var<storage, read_write> dmod: array<f32>;
@group(0) @binding(7) var<storage, read_write> part: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
	let i = gid.x + gid.y * nwg.x * 256u;
	if (i >= p.batch * p.d) {
		return;
	}
	let b = i / p.d;
	let j = i % p.d;
	let wj = f32(w[p.w_off + j]);
	let m = b * p.mod_stride;
	let sc = 1.0 + mods[m + p.scale_off + j];
	var dshift = 0.0;
	var dscale = 0.0;
	var dw = 0.0;
	for (var r = b * p.l; r < (b + 1u) * p.l; r++) {
		let xh = (x[r * p.d + j] - stats[2u * r]) * stats[2u * r + 1u];
		let g = dout[r * p.d + j];
		dshift += g;
		dscale += g * xh * wj;
		dw += g * sc * xh;
	}
	dmod[m + p.shift_off + j] = dshift;
	dmod[m + p.scale_off + j] = dscale;
	part[i] = dw;
}

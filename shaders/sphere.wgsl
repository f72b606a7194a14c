// sphere: one step of the geodesic random walk for every position, from the
// network's probabilities (rdlm-math.md sections 5 and 8):
//   b = gamma P_x( sum_k p_k log_x(e_k) )            the generative drift
//   x <- exp_x( sqrt(beta dt) z + b dt ), renormalised  z ~ N(0, I_V)
// and the network input of the next step, x without the mask coordinate.
// The noise is the project's Philox4x32-10 (core/rng) with the layout of
// core/sampler's doc: key (seed lo, seed hi), counter (step*B + j, 0, l, n)
// for block j, words in block order, Box-Muller on consecutive pairs.
// One workgroup per position; held positions (hold[l] >= 0) never move.
//
//   probs (rows, k);  x (rows, v);  xin (rows, k);  hold (l);  tmp (rows, v) scratch
struct Params {
	gamma: f32, sd: f32, dt: f32, step: u32,
	key0: u32, key1: u32, first: u32, blocks: u32,
	rows: u32, l: u32, k: u32, v: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> xin: array<f32>;
@group(0) @binding(4) var<storage, read> hold: array<i32>;
@group(0) @binding(5) var<storage, read_write> tmp: array<f32>;

var<workgroup> held: i32;

//!use reduce
//!use sincos
//!use philox

// thetaOverSin is theta/sin(theta), theta = arccos(c), for a clipped cosine;
// atan2 keeps theta accurate near c = 1 where acos loses digits in f32.
fn theta_over_sin(c: f32) -> f32 {
	let s = sqrt((1.0 - c) * (1.0 + c));
	return atan2(s, c) / s;
}

fn clip_cos(c: f32) -> f32 {
	return clamp(c, -1.0 + LOG_CLIP, 1.0 - LOG_CLIP);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
	let r = wg.x;
	let lid = li.x;
	let pos = r % p.l;
	let seq = p.first + r / p.l;
	if (lid == 0u) {
		held = hold[pos];
	}
	if (workgroupUniformLoad(&held) >= 0) {
		return;
	}
	let xb = r * p.v;
	let pb = r * p.k;

	// Drift: sum_k p_k log_x(e_k) = sum_k d_k e_k - (sum_k d_k c_k) x,
	// d_k = p_k theta_k / sin theta_k, c_k = clip(x_k).
	var s = 0.0;
	for (var i = lid; i < p.k; i += 64u) {
		let c = clip_cos(x[xb + i]);
		s += probs[pb + i] * theta_over_sin(c) * c;
	}
	s = reduce(lid, s);
	var xd = 0.0;
	var xx = 0.0;
	for (var i = lid; i < p.v; i += 64u) {
		let xi = x[xb + i];
		var d = -s * xi;
		if (i < p.k) {
			d += probs[pb + i] * theta_over_sin(clip_cos(xi));
		}
		tmp[xb + i] = d;
		xd += xi * d;
		xx += xi * xi;
	}
	xd = reduce(lid, xd);
	xx = reduce(lid, xx);
	var coef = 0.0;
	if (xx > 0.0) {
		coef = xd / xx;
	}

	// Step vector v = sd z + dt gamma P_x(drift), pair by pair of noise.
	var xv = 0.0;
	let key = vec2<u32>(p.key0, p.key1);
	for (var m = lid; 2u * m < p.v; m += 64u) {
		let blk = philox(key, vec4<u32>(p.step * p.blocks + m / 2u, 0u, pos, seq));
		var w0 = blk.x;
		var w1 = blk.y;
		if (m % 2u == 1u) {
			w0 = blk.z;
			w1 = blk.w;
		}
		let z = box_muller(w0, w1);
		let i0 = 2u * m;
		let x0 = x[xb + i0];
		let v0 = p.sd * z.x + p.dt * (p.gamma * (tmp[xb + i0] - coef * x0));
		tmp[xb + i0] = v0;
		xv += x0 * v0;
		if (i0 + 1u < p.v) {
			let x1 = x[xb + i0 + 1u];
			let v1 = p.sd * z.y + p.dt * (p.gamma * (tmp[xb + i0 + 1u] - coef * x1));
			tmp[xb + i0 + 1u] = v1;
			xv += x1 * v1;
		}
	}
	xv = reduce(lid, xv);
	var c = 0.0;
	if (xx > 0.0) {
		c = xv / xx;
	}

	// exp_x(v) = cos|w| x + sin|w|/|w| w,  w = v - c x.
	var n2 = 0.0;
	for (var i = lid; i < p.v; i += 64u) {
		let w = tmp[xb + i] - c * x[xb + i];
		n2 += w * w;
	}
	let n = sqrt(reduce(lid, n2));
	let f = cos_sinc(n);
	let cs = f.x;
	let sn = f.y;
	var yy = 0.0;
	for (var i = lid; i < p.v; i += 64u) {
		let xi = x[xb + i];
		let y = cs * xi + sn * (tmp[xb + i] - c * xi);
		x[xb + i] = y;
		yy += y * y;
	}
	let norm = sqrt(reduce(lid, yy));
	for (var i = lid; i < p.v; i += 64u) {
		if (norm > 0.0) {
			x[xb + i] = x[xb + i] / norm;
		}
		if (i < p.k) {
			xin[r * p.k + i] = x[xb + i];
		}
	}
}

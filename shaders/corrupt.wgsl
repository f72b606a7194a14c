// corrupt: the training batch's noisy inputs, drawn on the device from the
// objective's own random streams (trainer/objective), one workgroup per
// position (rows beyond 65535 spill into wg.y). Each sequence's time, weight
// and table values come from the host (objective.DrawSequences), so only
// the per-position work is here:
//
//   kind 0, RDLM (process.SampleXt): x_t = exp_mu(rho P_mu(z)) around
//     mu = a e_k + b s, s the start (e_m or u), from alpha:
//       masked:  a = alpha, b = sqrt(1-alpha^2)
//       uniform: a = alpha/pn, b = sqrt(1-alpha^2) - alpha c0/pn,  c0 = 1/sqrt(V), pn = sqrt(1-c0^2)
//     z ~ N(0, I_V) from the position's stream, Box-Muller on consecutive
//     word pairs; the network sees x_t without the mask coordinate.
//   kind 1, MDLM (objective.MaskTokens): position l is masked when word 1+l
//     of its sequence's stream is below mask_below (objective.MaskBelow);
//     the input is 0 there and the token's vertex elsewhere, and only
//     masked positions weigh in the loss.
//
//   seqs (batch, 8) words: alpha, rho (f32), start (0 masked, 1 uniform),
//     mask_below, mask_all (a bound of 2^32), row weight (f32: the time
//     weight over the batch size), 2 unused
//   tokens (rows);  x (rows, k);  roww (rows): each position's loss weight
struct Params { rows: u32, l: u32, k: u32, v: u32, kind: u32, key0: u32, key1: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<uniform> st: Step;
@group(0) @binding(2) var<storage, read> seqs: array<u32>;
@group(0) @binding(3) var<storage, read> tokens: array<u32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> roww: array<f32>;

//!use step
//!use reduce
//!use sincos
//!use philox

// normal is coordinate i of the position's z: pair i/2 of the stream's
// normals, spending words 2(i/2) and 2(i/2)+1 (block i/4).
fn normal(key: vec2<u32>, lo: u32, hi: u32, i: u32) -> f32 {
	let m = i / 2u;
	let blk = philox(key, vec4<u32>(m / 2u, 0u, lo, hi));
	var z: vec2<f32>;
	if (m % 2u == 0u) {
		z = box_muller(blk.x, blk.y);
	} else {
		z = box_muller(blk.z, blk.w);
	}
	if (i % 2u == 0u) {
		return z.x;
	}
	return z.y;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
	let r = wg.x + wg.y * nwg.x;
	if (r >= p.rows) {
		return;
	}
	let lid = li.x;
	let s = r / p.l;
	let sq = 8u * s;
	let w = bitcast<f32>(seqs[sq + 5u]);
	let token = tokens[r];
	let key = vec2<u32>(p.key0, p.key1);
	if (p.kind == 1u) {
		let j = 1u + r % p.l;
		let blk = philox(key, vec4<u32>(j / 4u, 0u, st.seq_lo + s, st.seq_hi));
		let word = blk[j % 4u];
		let masked = seqs[sq + 4u] != 0u || word < seqs[sq + 3u];
		for (var i = lid; i < p.k; i += 64u) {
			var v = 0.0;
			if (!masked && i == token) {
				v = 1.0;
			}
			x[r * p.k + i] = v;
		}
		if (lid == 0u) {
			roww[r] = select(0.0, w, masked);
		}
		return;
	}

	let alpha = bitcast<f32>(seqs[sq]);
	let rho = bitcast<f32>(seqs[sq + 1u]);
	let uniform_start = seqs[sq + 2u] == 1u;
	let vf = f32(p.v);
	let so = sqrt(max(0.0, 1.0 - alpha * alpha));
	var a = alpha;
	var b = so;
	var rest = 0.0;
	var at_mask = so;
	if (uniform_start) {
		let c0 = 1.0 / sqrt(vf);
		let pn = sqrt(1.0 - c0 * c0);
		a = alpha / pn;
		b = so - alpha * c0 / pn;
		rest = b * c0;
		at_mask = rest;
	}
	let lo = st.pos_lo + r;
	let hi = st.pos_hi;

	// <mu, z> from the two directions mu is made of.
	var zs = 0.0;
	if (uniform_start) {
		var part_sum = 0.0;
		for (var i = lid; i < p.v; i += 64u) {
			part_sum += normal(key, lo, hi, i);
		}
		zs = reduce(lid, part_sum) / sqrt(vf);
	} else {
		zs = normal(key, lo, hi, p.v - 1u);
	}
	let c = a * normal(key, lo, hi, token) + b * zs;
	var n2 = 0.0;
	for (var i = lid; i < p.v; i += 64u) {
		var mu = rest;
		if (i == token) {
			mu = rest + a;
		} else if (i == p.v - 1u) {
			mu = at_mask;
		}
		let d = normal(key, lo, hi, i) - c * mu;
		n2 += d * d;
	}
	let n = rho * sqrt(reduce(lid, n2));
	let f = cos_sinc(n);
	let cs = f.x;
	let sn = f.y;
	for (var i = lid; i < p.k; i += 64u) {
		var mu = rest;
		if (i == token) {
			mu = rest + a;
		}
		x[r * p.k + i] = cs * mu + sn * rho * (normal(key, lo, hi, i) - c * mu);
	}
	if (lid == 0u) {
		roww[r] = w;
	}
}

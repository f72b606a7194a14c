// attention: bidirectional softmax attention of every head, reading the
// rotated q, k and v from the fused qkv activations and writing the merged
// heads. One thread per query, 64 queries per workgroup; keys and values
// stream through workgroup memory 32 at a time with an online softmax, so
// nothing of size L x L is ever stored and L can be any length.
// HD (the head size) is fixed at pipeline creation.
//
//   qkv (b*l, 3d): q at which 0, k at 1, v at 2, head h at h*HD
//   out (b*l, d): head h at columns h*HD
//   stats (b, heads, l, 2): each query's score maximum m and 1/sum, what the
//   backward needs to recompute any probability exactly as here
//   probabilities softmax(q k^T / sqrt(HD)), taken as exp((s - m) scale) / sum
struct Params { l: u32, d: u32, heads: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;

const KT: u32 = 32u;
var<workgroup> ks: array<f32, KT * HD>;
var<workgroup> vs: array<f32, KT * HD>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
	let bh = wg.y;
	let b = bh / p.heads;
	let h = bh % p.heads;
	let qi = wg.x * 64u + li.x;
	let live = qi < p.l;
	let stride = 3u * p.d;
	let scale = 1.0 / sqrt(f32(HD));
	var q: array<f32, HD>;
	var acc: array<f32, HD>;
	if (live) {
		let qa = (b * p.l + qi) * stride + h * HD;
		for (var i = 0u; i < HD; i++) {
			q[i] = qkv[qa + i];
		}
	}
	var m = -3.4e38;
	var sum = 0.0;
	for (var k0 = 0u; k0 < p.l; k0 += KT) {
		for (var e = li.x; e < KT * HD; e += 64u) {
			let j = k0 + e / HD;
			var kv = 0.0;
			var vv = 0.0;
			if (j < p.l) {
				let ka = (b * p.l + j) * stride + p.d + h * HD + e % HD;
				kv = qkv[ka];
				vv = qkv[ka + p.d];
			}
			ks[e] = kv;
			vs[e] = vv;
		}
		workgroupBarrier();
		if (live) {
			let n = min(KT, p.l - k0);
			for (var j = 0u; j < n; j++) {
				var s = 0.0;
				for (var i = 0u; i < HD; i++) {
					s = fma(q[i], ks[j * HD + i], s);
				}
				if (s > m) {
					// A new maximum rescales what was summed so far.
					let f = exp((m - s) * scale);
					sum *= f;
					for (var i = 0u; i < HD; i++) {
						acc[i] *= f;
					}
					m = s;
				}
				let e = exp((s - m) * scale);
				sum += e;
				for (var i = 0u; i < HD; i++) {
					acc[i] = fma(e, vs[j * HD + i], acc[i]);
				}
			}
		}
		workgroupBarrier();
	}
	if (live) {
		let oa = (b * p.l + qi) * p.d + h * HD;
		let inv = 1.0 / sum;
		for (var i = 0u; i < HD; i++) {
			out[oa + i] = acc[i] * inv;
		}
		let sa = 2u * (bh * p.l + qi);
		stats[sa] = m;
		stats[sa + 1u] = inv;
	}
}

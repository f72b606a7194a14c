// attention_backward_query: the query half of attention.wgsl's backward, one
// thread per query, keys and values streaming through workgroup memory 32 at
// a time as in the forward. Nothing of size L x L is stored: every
// probability is recomputed from the forward's row statistics,
//   p_j = exp((s_j - m) scale) / sum,  s_j = q k_j
// and with dp_j = do v_j and delta = do . out (= sum_j p_j dp_j),
//   ds_j = p_j (dp_j - delta) scale,  dq = sum_j ds_j k_j
// delta is saved for attention_backward_key, which runs next.
// HD (the head size) is fixed at pipeline creation.
//
//   qkv (b*l, 3d) with rotated q and k;  out, dout (b*l, d): the forward's
//   output and its gradient;  stats (b, heads, l, 2): m and 1/sum
//   dqkv (b*l, 3d): dq written at q's columns;  delta (b, heads, l)
struct Params { l: u32, d: u32, heads: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> out: array<f32>;
@group(0) @binding(3) var<storage, read> dout: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(6) var<storage, read_write> delta: array<f32>;

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
	var g: array<f32, HD>;
	var dq: array<f32, HD>;
	var m = 0.0;
	var inv = 0.0;
	var dl = 0.0;
	if (live) {
		let qa = (b * p.l + qi) * stride + h * HD;
		let oa = (b * p.l + qi) * p.d + h * HD;
		for (var i = 0u; i < HD; i++) {
			q[i] = qkv[qa + i];
			g[i] = dout[oa + i];
			dl = fma(g[i], out[oa + i], dl);
		}
		let sa = 2u * (bh * p.l + qi);
		m = stats[sa];
		inv = stats[sa + 1u];
	}
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
				var dp = 0.0;
				for (var i = 0u; i < HD; i++) {
					s = fma(q[i], ks[j * HD + i], s);
					dp = fma(g[i], vs[j * HD + i], dp);
				}
				let pr = exp((s - m) * scale) * inv;
				let ds = pr * (dp - dl) * scale;
				for (var i = 0u; i < HD; i++) {
					dq[i] = fma(ds, ks[j * HD + i], dq[i]);
				}
			}
		}
		workgroupBarrier();
	}
	if (live) {
		let qa = (b * p.l + qi) * stride + h * HD;
		for (var i = 0u; i < HD; i++) {
			dqkv[qa + i] = dq[i];
		}
		delta[bh * p.l + qi] = dl;
	}
}

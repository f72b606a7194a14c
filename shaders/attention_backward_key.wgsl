// attention_backward_key: the key and value half of attention.wgsl's
// backward, one thread per key, queries streaming through workgroup memory
// QT at a time (QT and HD are fixed at pipeline creation, QT so that the
// tiles fit the adapter's workgroup memory). With the probabilities
// recomputed as in attention_backward_query and its delta,
//   dv = sum_i p_i do_i,  dk = sum_i ds_i q_i,  ds_i = p_i (do_i v - delta_i) scale
// Nothing of size L x L is stored.
//
//   qkv (b*l, 3d) with rotated q and k;  dout (b*l, d);  stats (b, heads, l, 2)
//   delta (b, heads, l);  dqkv (b*l, 3d): dk and dv written at k's and v's columns
struct Params { l: u32, d: u32, heads: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> delta: array<f32>;
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>;

var<workgroup> qs: array<f32, QT * HD>;
var<workgroup> gs: array<f32, QT * HD>;
var<workgroup> ms: array<f32, QT>;
var<workgroup> invs: array<f32, QT>;
var<workgroup> dls: array<f32, QT>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
	let bh = wg.y;
	let b = bh / p.heads;
	let h = bh % p.heads;
	let kj = wg.x * 64u + li.x;
	let live = kj < p.l;
	let stride = 3u * p.d;
	let scale = 1.0 / sqrt(f32(HD));
	var k: array<f32, HD>;
	var v: array<f32, HD>;
	var dk: array<f32, HD>;
	var dv: array<f32, HD>;
	if (live) {
		let ka = (b * p.l + kj) * stride + p.d + h * HD;
		for (var i = 0u; i < HD; i++) {
			k[i] = qkv[ka + i];
			v[i] = qkv[ka + p.d + i];
		}
	}
	for (var q0 = 0u; q0 < p.l; q0 += QT) {
		for (var e = li.x; e < QT * HD; e += 64u) {
			let qi = q0 + e / HD;
			var qv = 0.0;
			var gv = 0.0;
			if (qi < p.l) {
				qv = qkv[(b * p.l + qi) * stride + h * HD + e % HD];
				gv = dout[(b * p.l + qi) * p.d + h * HD + e % HD];
			}
			qs[e] = qv;
			gs[e] = gv;
		}
		for (var e = li.x; e < QT; e += 64u) {
			let qi = q0 + e;
			var mv = 0.0;
			var iv = 0.0;
			var dv0 = 0.0;
			if (qi < p.l) {
				mv = stats[2u * (bh * p.l + qi)];
				iv = stats[2u * (bh * p.l + qi) + 1u];
				dv0 = delta[bh * p.l + qi];
			}
			ms[e] = mv;
			invs[e] = iv;
			dls[e] = dv0;
		}
		workgroupBarrier();
		if (live) {
			let n = min(QT, p.l - q0);
			for (var i = 0u; i < n; i++) {
				var s = 0.0;
				var dp = 0.0;
				for (var c = 0u; c < HD; c++) {
					s = fma(qs[i * HD + c], k[c], s);
					dp = fma(gs[i * HD + c], v[c], dp);
				}
				let pr = exp((s - ms[i]) * scale) * invs[i];
				let ds = pr * (dp - dls[i]) * scale;
				for (var c = 0u; c < HD; c++) {
					dv[c] = fma(pr, gs[i * HD + c], dv[c]);
					dk[c] = fma(ds, qs[i * HD + c], dk[c]);
				}
			}
		}
		workgroupBarrier();
	}
	if (live) {
		let ka = (b * p.l + kj) * stride + p.d + h * HD;
		for (var c = 0u; c < HD; c++) {
			dqkv[ka + c] = dk[c];
			dqkv[ka + p.d + c] = dv[c];
		}
	}
}

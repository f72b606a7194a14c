// top: what a live view of the walk shows, without reading p back: each
// position's most probable token under p and its probability, interleaved
// per row as (token, bitcast probability); a held position (hold[l] >= 0)
// reports its token with probability 1, as core/walk's StepInfo says. Ties
// go to the lowest token, as the CPU's argmax. One workgroup per row of k.
//
//   probs (rows, k);  hold (l);  out (rows, 2) u32
struct Params { rows: u32, k: u32, l: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read> hold: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

var<workgroup> best_p: array<f32, 64>;
var<workgroup> best_k: array<u32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
	let r = wg.x;
	let lid = li.x;
	let base = r * p.k;
	var m = -1.0;
	var mk = 0u;
	for (var j = lid; j < p.k; j += 64u) {
		let v = probs[base + j];
		if (v > m) { // strictly: the first of equal values stays
			m = v;
			mk = j;
		}
	}
	best_p[lid] = m;
	best_k[lid] = mk;
	workgroupBarrier();
	for (var s = 32u; s > 0u; s >>= 1u) {
		if (lid < s) {
			let v = best_p[lid + s];
			let k = best_k[lid + s];
			if (v > best_p[lid] || (v == best_p[lid] && k < best_k[lid])) {
				best_p[lid] = v;
				best_k[lid] = k;
			}
		}
		workgroupBarrier();
	}
	if (lid == 0u) {
		let held = hold[r % p.l];
		if (held >= 0) {
			out[2u * r] = u32(held);
			out[2u * r + 1u] = bitcast<u32>(1.0);
		} else {
			out[2u * r] = best_k[0];
			out[2u * r + 1u] = bitcast<u32>(best_p[0]);
		}
	}
}

// softmax: the output softmax p = softmax(logits) of every position, in
// place; one workgroup per row of k logits.
struct Params { rows: u32, k: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> z: array<f32>;

var<workgroup> part: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
	let base = wg.x * p.k;
	let lid = li.x;
	var m = -3.4e38;
	for (var j = lid; j < p.k; j += 64u) {
		m = max(m, z[base + j]);
	}
	part[lid] = m;
	workgroupBarrier();
	for (var s = 32u; s > 0u; s >>= 1u) {
		if (lid < s) {
			part[lid] = max(part[lid], part[lid + s]);
		}
		workgroupBarrier();
	}
	m = part[0];
	workgroupBarrier();
	var sum = 0.0;
	for (var j = lid; j < p.k; j += 64u) {
		sum += exp(z[base + j] - m);
	}
	part[lid] = sum;
	workgroupBarrier();
	for (var s = 32u; s > 0u; s >>= 1u) {
		if (lid < s) {
			part[lid] += part[lid + s];
		}
		workgroupBarrier();
	}
	let inv = 1.0 / part[0];
	for (var j = lid; j < p.k; j += 64u) {
		z[base + j] = exp(z[base + j] - m) * inv;
	}
}

// reduce returns the sum of v over a 64-invocation workgroup, to every
// invocation (lid is the local invocation index). All 64 must call it.
var<workgroup> part: array<f32, 64>;

fn reduce(lid: u32, v: f32) -> f32 {
	part[lid] = v;
	workgroupBarrier();
	for (var s = 32u; s > 0u; s >>= 1u) {
		if (lid < s) {
			part[lid] += part[lid + s];
		}
		workgroupBarrier();
	}
	let total = part[0];
	workgroupBarrier();
	return total;
}

// reduce_max is the maximum of v over the workgroup, like reduce.
fn reduce_max(lid: u32, v: f32) -> f32 {
	part[lid] = v;
	workgroupBarrier();
	for (var s = 32u; s > 0u; s >>= 1u) {
		if (lid < s) {
			part[lid] = max(part[lid], part[lid + s]);
		}
		workgroupBarrier();
	}
	let m = part[0];
	workgroupBarrier();
	return m;
}

// ln_stats is the mean and 1/sqrt(var + LN_EPS) of row x[base .. base+d)
// for layer norm, by the 64 invocations of a workgroup (lid). It reads the
// kernel's own `x: array<f32>` binding, which every user declares: WGSL
// passes no storage arrays to functions.
fn ln_stats(lid: u32, base: u32, d: u32) -> vec2<f32> {
	var s = 0.0;
	for (var j = lid; j < d; j += 64u) {
		s += x[base + j];
	}
	let mean = reduce(lid, s) / f32(d);
	var ss = 0.0;
	for (var j = lid; j < d; j += 64u) {
		let c = x[base + j] - mean;
		ss += c * c;
	}
	return vec2<f32>(mean, 1.0 / sqrt(reduce(lid, ss) / f32(d) + LN_EPS));
}

// The project's Philox4x32-10 (core/rng) with 32-bit integer operations
// only, and its Box-Muller normals.

// mul32 is the full 64-bit product of two words as (hi, lo), from 16-bit
// halves: WGSL has no 64-bit integers.
fn mul32(a: u32, b: u32) -> vec2<u32> {
	let al = a & 0xffffu;
	let ah = a >> 16u;
	let bl = b & 0xffffu;
	let bh = b >> 16u;
	let ll = al * bl;
	let lh = al * bh;
	let hl = ah * bl;
	let hh = ah * bh;
	let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
	let lo = (ll & 0xffffu) | (mid << 16u);
	let hi = hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
	return vec2<u32>(hi, lo);
}

fn philox(key: vec2<u32>, ctr: vec4<u32>) -> vec4<u32> {
	var k = key;
	var c = ctr;
	for (var r = 0u; r < PHILOX_ROUNDS; r++) {
		let a = mul32(PHILOX_MUL_A, c.x);
		let b = mul32(PHILOX_MUL_B, c.z);
		c = vec4<u32>(b.x ^ c.y ^ k.x, b.y, a.x ^ c.w ^ k.y, a.y);
		k += vec2<u32>(PHILOX_WEYL_A, PHILOX_WEYL_B);
	}
	return c;
}

// unit is rng.Unit: (w + 0.5) 2^-32, in (0, 1).
fn unit(w: u32) -> f32 {
	return (f32(w) + 0.5) * 2.3283064365386963e-10;
}

// neg2log is -2 ln Unit(w), never negative. Above 1/2 it is taken from the
// complement t = 1 - Unit(w) (exact from ~w) as -4 atanh(t / (2 - t)) by
// its series: WGSL's log is only promised to an absolute 2^-21 near 1,
// where the logarithm itself is tiny.
fn neg2log(w: u32) -> f32 {
	if (w < 0x80000000u) {
		return -2.0 * log(unit(w));
	}
	let t = (f32(~w) + 0.5) * 2.3283064365386963e-10;
	let y = t / (2.0 - t); // below 1/3
	let q = y * y;
	let s = y * (1.0 + q * (1.0 / 3.0 + q * (1.0 / 5.0 + q * (1.0 / 7.0 + q * (1.0 / 9.0 + q * (1.0 / 11.0 + q * (1.0 / 13.0 + q * (1.0 / 15.0))))))));
	return 4.0 * s;
}

// box_muller is rng.BoxMuller: two words to two standard normals,
// r (cos, sin)(2 pi Unit(w1)), r = sqrt(-2 ln Unit(w0)). Needs lib/sincos.
fn box_muller(w0: u32, w1: u32) -> vec2<f32> {
	let r = sqrt(neg2log(w0));
	let sc = sincos_turns(unit(w1));
	return r * vec2<f32>(sc.y, sc.x);
}

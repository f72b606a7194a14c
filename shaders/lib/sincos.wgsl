// Sine and cosine to about an f32 ulp. WGSL's sin and cos only promise an
// absolute 2^-11 on [-pi, pi] (SwiftShader's are that coarse), which is too
// little for training against the CPU's float64 functions.
//
// sin_small and cos_small are the Taylor polynomials through x^11 and x^12,
// accurate for |x| <= 1 (the remainder is below 2e-9 there): the time
// embedding's arguments t f_j lie in [0, 1).
fn sin_small(x: f32) -> f32 {
	let q = x * x;
	return x * (1.0 + q * (-1.0 / 6.0 + q * (1.0 / 120.0 + q * (-1.0 / 5040.0 + q * (1.0 / 362880.0 + q * (-1.0 / 39916800.0))))));
}

fn cos_small(x: f32) -> f32 {
	let q = x * x;
	return 1.0 + q * (-0.5 + q * (1.0 / 24.0 + q * (-1.0 / 720.0 + q * (1.0 / 40320.0 + q * (-1.0 / 3628800.0 + q * (1.0 / 479001600.0))))));
}

// sincos_turns is (sin, cos) of 2 pi u, any u: u is reduced by quarter
// turns exactly (u - q/4 has no rounding for |u| < 2^22), the rest is at
// most an eighth of a turn, where the polynomials hold.
fn sincos_turns(u: f32) -> vec2<f32> {
	let q = round(4.0 * u);
	let r = 6.283185307179586 * (u - 0.25 * q);
	let s = sin_small(r);
	let c = cos_small(r);
	switch (i32(q) & 3) {
		case 0: {
			return vec2<f32>(s, c);
		}
		case 1: {
			return vec2<f32>(c, -s);
		}
		case 2: {
			return vec2<f32>(-s, -c);
		}
		default: {
			return vec2<f32>(-c, s);
		}
	}
}

// cos_sinc is (cos n, sin(n)/n) for a tangent vector's norm n >= 0, the
// factors of the sphere's exponential map exp_x(v) = cos|v| x + sinc|v| v
// (sphere.CosSinc): the series below EXP_SERIES_BELOW, where sin(n)/n would
// lose its digits, else sincos_turns.
fn cos_sinc(n: f32) -> vec2<f32> {
	if (n < EXP_SERIES_BELOW) {
		let q = n * n;
		return vec2<f32>(1.0 - q / 2.0 + q * q / 24.0, 1.0 - q / 6.0 + q * q / 120.0);
	}
	let t = sincos_turns(n * 0.15915494309189535);
	return vec2<f32>(t.y, t.x / n);
}

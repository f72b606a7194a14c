// gelu_backward: the backward of gelu.wgsl, in place on the gradient:
//   dy *= s + 2 x s (1-s) u'(x),  s = sigmoid(2u), u' = GELU_SCALE (1 + 3 GELU_CUBIC x^2)
//   dy, x (n): x is the GELU's input
struct Params { n: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
	let i = gid.x + gid.y * nwg.x * 256u;
	if (i < p.n) {
		let v = x[i];
		let u = GELU_SCALE * (v + GELU_CUBIC * v * v * v);
		let s = 1.0 / (1.0 + exp(-2.0 * u));
		let du = GELU_SCALE * (1.0 + 3.0 * GELU_CUBIC * v * v);
		dy[i] = dy[i] * (s + 2.0 * v * s * (1.0 - s) * du);
	}
}

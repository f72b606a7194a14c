// silu_backward: the backward of silu.wgsl, in place on the gradient:
//   dy *= s (1 + x (1-s)),  s = sigmoid(x)
//   dy, x (n): x is the SiLU's input
struct Params { n: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
	let i = gid.x + gid.y * nwg.x * 256u;
	if (i < p.n) {
		let v = x[i];
		let s = 1.0 / (1.0 + exp(-v));
		dy[i] = dy[i] * s * (1.0 + v * (1.0 - s));
	}
}

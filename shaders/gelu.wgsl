// gelu: GELU in its tanh approximation, in place, written as
// x sigmoid(2u), u = GELU_SCALE (x + GELU_CUBIC x^3), GELU_SCALE = sqrt(2/pi):
// the CPU's form (one exponential, no cancellation).
struct Params { n: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
	let i = gid.x + gid.y * nwg.x * 256u;
	if (i < p.n) {
		let x = v[i];
		let u = GELU_SCALE * (x + GELU_CUBIC * x * x * x);
		v[i] = x / (1.0 + exp(-2.0 * u));
	}
}

// timeembed: the sinusoidal embedding of the diffusion time,
//   e[b] = [cos(t_b f_j), sin(t_b f_j)],  j < half
// with the frequencies f_j = exp(-ln(10000) j / half) uploaded once from the
// CPU (so they are the reference's float32 values exactly).
struct Params { batch: u32, half: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> t: array<f32>;
@group(0) @binding(2) var<storage, read> freq: array<f32>;
@group(0) @binding(3) var<storage, read_write> e: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
	let i = gid.x;
	if (i < p.batch * p.half) {
		let b = i / p.half;
		let j = i % p.half;
		let a = t[b] * freq[j];
		e[b * 2u * p.half + j] = cos(a);
		e[b * 2u * p.half + p.half + j] = sin(a);
	}
}

// timeembed: the sinusoidal embedding of the diffusion time,
//   e[b] = [cos(t_b f_j), sin(t_b f_j)],  j < half
// with the frequencies f_j = exp(-ln(10000) j / half) uploaded once from the
// CPU (so they are the reference's float32 values exactly). For t in [0, 1)
// every argument is below 1, where lib/sincos's polynomials give the CPU's
// float64-rounded values to an ulp; other t take WGSL's sin and cos. The times are
// read at t_off: a training micro-batch is a slice of the step's batch.
struct Params { batch: u32, half: u32, t_off: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> t: array<f32>;
@group(0) @binding(2) var<storage, read> freq: array<f32>;
@group(0) @binding(3) var<storage, read_write> e: array<f32>;

//!use sincos

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
	let i = gid.x;
	if (i < p.batch * p.half) {
		let b = i / p.half;
		let j = i % p.half;
		let a = t[p.t_off + b] * freq[j];
		var c = cos(a);
		var s = sin(a);
		if (abs(a) <= 1.0) {
			c = cos_small(a);
			s = sin_small(a);
		}
		e[b * 2u * p.half + j] = c;
		e[b * 2u * p.half + p.half + j] = s;
	}
}

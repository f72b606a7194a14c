// rotary: rotary position embeddings on q and k, in place in the fused qkv
// activations (feature index = which*D + head*hd + i), rotate_half pairing:
//   (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin),  x1 = x[i], x2 = x[i + hd/2]
// The cos/sin table (l, hd/2) is the CPU's RotaryTable, uploaded once.
// With inverse set it turns by minus the angle: the backward, which maps the
// gradients of the rotated q and k (in place in the fused dqkv) back to those
// of the projections (a rotation's transpose is its inverse).
struct Params { rows: u32, d: u32, hd: u32, l: u32, inverse: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> cos_t: array<f32>;
@group(0) @binding(3) var<storage, read> sin_t: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
	let half = p.hd / 2u;
	let per_row = p.d; // q and k: 2 * (d / hd) heads * half pairs = d
	let idx = gid.x + gid.y * nwg.x * 256u;
	if (idx >= p.rows * per_row) {
		return;
	}
	let r = idx / per_row;
	let rem = idx % per_row;
	let which = rem / (p.d / 2u); // 0: q, 1: k
	let hi = rem % (p.d / 2u);
	let head = hi / half;
	let i = hi % half;
	let pos = r % p.l;
	let a = r * 3u * p.d + which * p.d + head * p.hd + i;
	let x1 = qkv[a];
	let x2 = qkv[a + half];
	let c = cos_t[pos * half + i];
	var s = sin_t[pos * half + i];
	if (p.inverse != 0u) {
		s = -s;
	}
	qkv[a] = x1 * c - x2 * s;
	qkv[a + half] = x2 * c + x1 * s;
}

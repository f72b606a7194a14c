// sum: partial sums, one per workgroup: workgroup g adds up elements
// [g chunk, (g+1) chunk) of src (their squares when square is set) and writes
// (or, with accumulate, adds) the total at out[out_off + g]. Fixed shares and
// a fixed tree make the result the same on every run: the training loss and
// the first pass of the gradient's global norm.
struct Params { n: u32, chunk: u32, out_off: u32, square: u32, accumulate: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
	let lo = wg.x * p.chunk;
	let hi = min(p.n, lo + p.chunk);
	var s = 0.0;
	for (var i = lo + li.x; i < hi; i += 256u) {
		let v = src[i];
		if (p.square != 0u) {
			s = fma(v, v, s);
		} else {
			s += v;
		}
	}
	part[li.x] = s;
	workgroupBarrier();
	for (var h = 128u; h > 0u; h >>= 1u) {
		if (li.x < h) {
			part[li.x] += part[li.x + h];
		}
		workgroupBarrier();
	}
	if (li.x == 0u) {
		var t = part[0];
		if (p.accumulate != 0u) {
			t += out[p.out_off + wg.x];
		}
		out[p.out_off + wg.x] = t;
	}
}

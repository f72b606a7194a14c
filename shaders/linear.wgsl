// linear: y = x W^T + b, a PyTorch linear layer, tiled for real GPUs.
// One workgroup computes a 64x64 tile of y, each thread a 4x4 block, stepping
// through the inner dimension 16 at a time through workgroup memory.
// W may be one chunk of output rows of a larger weight (split to respect
// maxStorageBufferBindingSize); y_off then points at the chunk's columns.
// W and b may also sit inside a larger buffer (training keeps every
// parameter in one flat buffer) at w_off and b_off.
//
//   x (m, k) at x_off with row stride x_stride;  w (n, k) at w_off;  b (n) at b_off
//   y (m, n) at y_off with row stride y_stride
struct Params {
	m: u32, n: u32, k: u32, x_off: u32,
	x_stride: u32, y_off: u32, y_stride: u32, has_bias: u32,
	w_off: u32, b_off: u32, _a: u32, _b: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<wt>;
@group(0) @binding(3) var<storage, read> b: array<wt>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

var<workgroup> xs: array<f32, 1024>; // [64 rows][16]
var<workgroup> ws: array<f32, 1024>; // [64 output columns][16]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
	let row0 = wg.y * 64u;
	let col0 = wg.x * 64u;
	let tid = lid.y * 16u + lid.x;
	var acc: array<f32, 16>;
	for (var k0 = 0u; k0 < p.k; k0 += 16u) {
		for (var e = 0u; e < 4u; e++) {
			let idx = tid * 4u + e;
			let r = idx / 16u;
			let gk = k0 + idx % 16u;
			var xv = 0.0;
			if (row0 + r < p.m && gk < p.k) {
				xv = x[p.x_off + (row0 + r) * p.x_stride + gk];
			}
			xs[idx] = xv;
			var wv = 0.0;
			if (col0 + r < p.n && gk < p.k) {
				wv = f32(w[p.w_off + (col0 + r) * p.k + gk]);
			}
			ws[idx] = wv;
		}
		workgroupBarrier();
		for (var kk = 0u; kk < 16u; kk++) {
			var xr: array<f32, 4>;
			var wc: array<f32, 4>;
			for (var i = 0u; i < 4u; i++) {
				xr[i] = xs[(lid.y * 4u + i) * 16u + kk];
				wc[i] = ws[(lid.x * 4u + i) * 16u + kk];
			}
			for (var i = 0u; i < 4u; i++) {
				for (var j = 0u; j < 4u; j++) {
					acc[i * 4u + j] = fma(xr[i], wc[j], acc[i * 4u + j]);
				}
			}
		}
		workgroupBarrier();
	}
	for (var i = 0u; i < 4u; i++) {
		let r = row0 + lid.y * 4u + i;
		for (var j = 0u; j < 4u; j++) {
			let c = col0 + lid.x * 4u + j;
			if (r < p.m && c < p.n) {
				var v = acc[i * 4u + j];
				if (p.has_bias != 0u) {
					v += f32(b[p.b_off + c]);
				}
				y[p.y_off + r * p.y_stride + c] = v;
			}
		}
	}
}

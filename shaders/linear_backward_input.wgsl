// linear_backward_input: the input gradient of linear.wgsl,
//   dx (+)= dy W
// tiled as the forward is: one workgroup per 64x64 tile of dx, each thread a
// 4x4 block, stepping through the output features 16 at a time. With
// accumulate set the product adds onto dx (an input shared by several
// layers, like the conditioning vector), else it overwrites it.
//
//   dy (m, n);  w (n, k) at w_off;  dx (m, k)
struct Params { m: u32, n: u32, k: u32, w_off: u32, accumulate: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<wt>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

var<workgroup> ys: array<f32, 1024>; // [64 rows][16 output features]
var<workgroup> ws: array<f32, 1024>; // [64 input features][16 output features]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
	let row0 = wg.y * 64u;
	let col0 = wg.x * 64u;
	let tid = lid.y * 16u + lid.x;
	var acc: array<f32, 16>;
	for (var o0 = 0u; o0 < p.n; o0 += 16u) {
		// Consecutive threads read consecutive addresses of dy's rows and W's.
		for (var e = 0u; e < 4u; e++) {
			let idx = e * 256u + tid;
			let r = idx / 16u;
			let o = o0 + idx % 16u;
			var yv = 0.0;
			if (row0 + r < p.m && o < p.n) {
				yv = dy[(row0 + r) * p.n + o];
			}
			ys[r * 16u + idx % 16u] = yv;
			let c = idx % 64u;
			let ow = o0 + idx / 64u;
			var wv = 0.0;
			if (col0 + c < p.k && ow < p.n) {
				wv = f32(w[p.w_off + ow * p.k + col0 + c]);
			}
			ws[c * 16u + idx / 64u] = wv;
		}
		workgroupBarrier();
		for (var kk = 0u; kk < 16u; kk++) {
			var yr: array<f32, 4>;
			var wc: array<f32, 4>;
			for (var i = 0u; i < 4u; i++) {
				yr[i] = ys[(lid.y * 4u + i) * 16u + kk];
				wc[i] = ws[(lid.x * 4u + i) * 16u + kk];
			}
			for (var i = 0u; i < 4u; i++) {
				for (var j = 0u; j < 4u; j++) {
					acc[i * 4u + j] = fma(yr[i], wc[j], acc[i * 4u + j]);
				}
			}
		}
		workgroupBarrier();
	}
	for (var i = 0u; i < 4u; i++) {
		let r = row0 + lid.y * 4u + i;
		for (var j = 0u; j < 4u; j++) {
			let c = col0 + lid.x * 4u + j;
			if (r < p.m && c < p.k) {
				let a = r * p.k + c;
				if (p.accumulate != 0u) {
					dx[a] = dx[a] + acc[i * 4u + j];
				} else {
					dx[a] = acc[i * 4u + j];
				}
			}
		}
	}
}

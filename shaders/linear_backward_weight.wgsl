// linear_backward_weight: the parameter gradients of linear.wgsl, added onto
// the gradient buffer (training accumulates micro-batches there):
//   dW += dy^T x,  db += column sums of dy
// One workgroup per 64x64 tile of dW, each thread a 4x4 block, stepping
// through the rows 16 at a time. The workgroups of the first column of tiles
// also sum the columns of the dy tiles they load, for db.
//
//   dy (m, n);  x (m, k) at x_off with row stride x_stride
//   g: dW (n, k) at w_off and db (n) at b_off (when has_bias), in one buffer
struct Params { m: u32, n: u32, k: u32, x_off: u32, x_stride: u32, w_off: u32, b_off: u32, has_bias: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> g: array<f32>;

var<workgroup> ys: array<f32, 1024>; // [16 rows][64 output features]
var<workgroup> xs: array<f32, 1024>; // [16 rows][64 input features]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
	let o0 = wg.y * 64u;
	let i0 = wg.x * 64u;
	let tid = lid.y * 16u + lid.x;
	let bias = p.has_bias != 0u && wg.x == 0u;
	var acc: array<f32, 16>;
	var db = 0.0;
	for (var r0 = 0u; r0 < p.m; r0 += 16u) {
		for (var e = 0u; e < 4u; e++) {
			let idx = e * 256u + tid;
			let r = r0 + idx / 64u;
			let c = idx % 64u;
			var yv = 0.0;
			var xv = 0.0;
			if (r < p.m) {
				if (o0 + c < p.n) {
					yv = dy[r * p.n + o0 + c];
				}
				if (i0 + c < p.k) {
					xv = x[p.x_off + r * p.x_stride + i0 + c];
				}
			}
			ys[idx] = yv;
			xs[idx] = xv;
		}
		workgroupBarrier();
		for (var kk = 0u; kk < 16u; kk++) {
			var yr: array<f32, 4>;
			var xc: array<f32, 4>;
			for (var i = 0u; i < 4u; i++) {
				yr[i] = ys[kk * 64u + lid.y * 4u + i];
				xc[i] = xs[kk * 64u + lid.x * 4u + i];
			}
			for (var i = 0u; i < 4u; i++) {
				for (var j = 0u; j < 4u; j++) {
					acc[i * 4u + j] = fma(yr[i], xc[j], acc[i * 4u + j]);
				}
			}
		}
		if (bias && tid < 64u) {
			for (var kk = 0u; kk < 16u; kk++) {
				db += ys[kk * 64u + tid];
			}
		}
		workgroupBarrier();
	}
	for (var i = 0u; i < 4u; i++) {
		let o = o0 + lid.y * 4u + i;
		for (var j = 0u; j < 4u; j++) {
			let c = i0 + lid.x * 4u + j;
			if (o < p.n && c < p.k) {
				let a = p.w_off + o * p.k + c;
				g[a] = g[a] + acc[i * 4u + j];
			}
		}
	}
	if (bias && tid < 64u && o0 + tid < p.n) {
		let a = p.b_off + o0 + tid;
		g[a] = g[a] + db;
	}
}

// crossentropy: the training loss of every position and its gradient, one
// workgroup per row of k logits (rows beyond 65535 spill into wg.y):
//   loss_r = w_r (logsumexp(z) - z[target]),  dz = w_r (softmax(z) - onehot(target))
// w_r is the row's weight: the sequence's time weight over the batch size
// (RDLM), times whether the position is masked (MDLM), so that summing
// loss_r over the batch is the objective. Targets and weights are read at
// row_off: a micro-batch is a slice of the step's batch.
//
//   logits, dlogits (rows, k);  tokens, roww (row_off + rows);  rowloss (rows)
struct Params { rows: u32, k: u32, row_off: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> tokens: array<u32>;
@group(0) @binding(3) var<storage, read> roww: array<f32>;
@group(0) @binding(4) var<storage, read_write> dz: array<f32>;
@group(0) @binding(5) var<storage, read_write> rowloss: array<f32>;

//!use reduce

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
	let r = wg.x + wg.y * nwg.x;
	if (r >= p.rows) {
		return;
	}
	let lid = li.x;
	let base = r * p.k;
	var m = -3.4e38;
	for (var j = lid; j < p.k; j += 64u) {
		m = max(m, z[base + j]);
	}
	m = reduce_max(lid, m);
	var s = 0.0;
	for (var j = lid; j < p.k; j += 64u) {
		s += exp(z[base + j] - m);
	}
	let lse = m + log(reduce(lid, s));
	let w = roww[p.row_off + r];
	let tg = tokens[p.row_off + r];
	for (var j = lid; j < p.k; j += 64u) {
		var g = w * exp(z[base + j] - lse);
		if (j == tg) {
			g -= w;
		}
		dz[base + j] = g;
	}
	if (lid == 0u) {
		rowloss[r] = w * (lse - z[base + tg]);
	}
}

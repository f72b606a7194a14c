// clip: the end of the global-norm reduction and the step's bookkeeping, one
// workgroup: the squared norm is the sum of the partial sums (sum.wgsl's
// first pass over every gradient segment); then, as PyTorch's
// clip_grad_norm_ and the CPU trainer do,
//   coef = clip / (norm + clip_eps) when that is below 1 (and clip > 0), else 1
// The step's loss and norm go to its log slot. A loss or norm that is not
// finite marks the step in SCAL_STOP (the first such step only), and adamw
// then leaves the weights alone from that step on.
struct Params { n: u32, clip: f32, clip_eps: f32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<uniform> st: Step;
@group(0) @binding(2) var<storage, read> partial: array<f32>;
@group(0) @binding(3) var<storage, read_write> scal: array<u32>;

//!use step

var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) li: vec3<u32>) {
	var s = 0.0;
	for (var i = li.x; i < p.n; i += 256u) {
		s += partial[i];
	}
	part[li.x] = s;
	workgroupBarrier();
	for (var h = 128u; h > 0u; h >>= 1u) {
		if (li.x < h) {
			part[li.x] += part[li.x + h];
		}
		workgroupBarrier();
	}
	if (li.x != 0u) {
		return;
	}
	let norm = sqrt(part[0]);
	let loss = bitcast<f32>(scal[SCAL_LOSS]);
	var coef = 1.0;
	if (p.clip > 0.0 && finite(norm)) {
		let c = p.clip / (norm + p.clip_eps);
		if (c < 1.0) {
			coef = c;
		}
	}
	scal[SCAL_COEF] = bitcast<u32>(coef);
	if (scal[SCAL_STOP] == 0u && !(finite(loss) && finite(norm))) {
		scal[SCAL_STOP] = st.step;
	}
	scal[SCAL_LOG + 2u * st.slot] = bitcast<u32>(loss);
	scal[SCAL_LOG + 2u * st.slot + 1u] = bitcast<u32>(norm);
}

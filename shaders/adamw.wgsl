// adamw: one optimiser step on a segment of the flat parameter buffer, the
// CPU optimiser's arithmetic (trainer/optim) element by element:
//   g' = coef g  (the global-norm clip)
//   m = b1 m + (1-b1) g',  v = b2 v + (1-b2) g'^2
//   p = p decay - step_size m / (sqrt(v) inv_sqrt_bc2 + eps)
//   shadow -= ema_w (shadow - p)  (the EMA, fused: one pass over the weights)
// and the gradient is cleared for the next step's accumulation. After a
// step that was not finite (SCAL_STOP) nothing changes.
//
//   params, grad, m, v, shadow (n) of one segment;  scal from clip.wgsl
struct Params { n: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<uniform> st: Step;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> m1: array<f32>;
@group(0) @binding(5) var<storage, read_write> m2: array<f32>;
@group(0) @binding(6) var<storage, read_write> shadow: array<f32>;
@group(0) @binding(7) var<storage, read> scal: array<u32>;

//!use step

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
	let i = gid.x + gid.y * nwg.x * 256u;
	if (i >= p.n || scal[SCAL_STOP] != 0u) {
		return;
	}
	let g = grad[i] * bitcast<f32>(scal[SCAL_COEF]);
	let mi = st.b1 * m1[i] + st.ob1 * g;
	let vi = st.b2 * m2[i] + st.ob2 * g * g;
	m1[i] = mi;
	m2[i] = vi;
	let denom = sqrt(vi) * st.inv_sqrt_bc2 + st.eps;
	let pi = w[i] * st.decay - st.step_size * mi / denom;
	w[i] = pi;
	shadow[i] -= st.ema_w * (shadow[i] - pi);
	grad[i] = 0.0;
}

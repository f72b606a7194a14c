// Step is the training step's uniform, written by the host before each
// step: the step number and its slot in the log, AdamW's and the EMA's
// coefficients for this step (the host computes them in float64, as the
// CPU optimiser does), and the random streams of the step's first sequence
// and first position (objective.StreamBases, low and high words): sequence
// s reads stream seq + s and position i stream pos + i, the index being the
// low 28 bits (no carry into the high word).
struct Step {
	step: u32, slot: u32, step_size: f32, inv_sqrt_bc2: f32,
	decay: f32, ema_w: f32, b1: f32, b2: f32,
	ob1: f32, ob2: f32, eps: f32, _a: u32,
	seq_lo: u32, seq_hi: u32, pos_lo: u32, pos_hi: u32,
}

// The scalars buffer: the step's loss (summed over micro-batches), the
// clipping factor, the first step that was not finite (0: none), then the
// log of (loss, gradient norm) per step, LOG_AT words in.
const SCAL_LOSS: u32 = 0u;
const SCAL_COEF: u32 = 1u;
const SCAL_STOP: u32 = 2u;
const SCAL_LOG: u32 = 4u;

// finite is false for NaN and the infinities (WGSL has no isnan).
fn finite(x: f32) -> bool {
	return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

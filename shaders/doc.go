// Package shaders holds the WGSL compute kernels of the WebGPU engine, one
// file per op, each with a small uniform params struct, and assembles the
// variant a device needs from the one source (source.go). An op's backward
// sits beside its forward as OP_backward*.wgsl (linear_backward_input and
// _weight, layernorm_backward and _params, attention_backward_query and
// _key, gelu_, silu_ and residual_backward; rotary's is rotary.wgsl itself,
// turned by minus the angle); the training step adds crossentropy, sum and
// colsum (fixed-order reductions), clip (the global norm's end) and adamw
// (AdamW with the EMA fused).
//
// A kernel reads weights through the type alias `wt` and may use constants
// the engine fixes at pipeline creation (for example HD, the head size).
// Source prepends the prelude that defines them: `alias wt = f32;` for f32
// weights, or `enable f16;` and `alias wt = f16;` for f16 weights on
// adapters with shader-f16. Arithmetic stays in f32 either way: weights are
// widened as they are loaded, so the f16 variant only halves the weight
// bytes read.
//
// A number a kernel shares with the CPU code (the layer norm's epsilon, the
// log map's clip, GELU's coefficients, Philox's constants) is never typed in
// a .wgsl file: the prelude declares it from its Go owner (see shared), so
// the two cannot drift apart.
package shaders

// Package train is the training loop: AdamW with warm-up, gradient clipping
// and an EMA of the weights, on one of the objectives of package objective,
// with checkpoints that survive a crash at any moment and a --resume that
// continues exactly where the run stopped.
//
// # The run folder
//
//	out/
//	  ckpt/            the latest checkpoint (see below)
//	  metrics.jsonl    one JSON object per line: training metrics every
//	                   log_every steps, validation BPC at each evaluation
//	  curve.svg        loss and validation BPC against step, redrawn at
//	                   every checkpoint
//	  xt-tables.bin    the x_t tables (RDLM), built once and reused
//
// A checkpoint folder is a regular ckpt checkpoint holding the EMA weights
// (what sampling and evaluation use), so `rdlm sample --model out/ckpt`
// works on it, plus optim.safetensors (the raw weights, AdamW's moments and
// the EMA state, via optim.SaveState) and trainer.json (the step, the data
// position, the run's Config). trainer.json is written last: a folder
// without it is not a checkpoint.
//
// # Crash safety
//
// A checkpoint is written into out/.ckpt-new, then swapped in by two
// renames: out/ckpt -> out/.ckpt-old, out/.ckpt-new -> out/ckpt, after which
// .ckpt-old is removed. At every moment one complete checkpoint exists under
// one of those names; Recover (run by every resume) puts it back at out/ckpt.
//
// # Exact resume
//
// Everything a step draws is addressed by (seed, step, sequence, position)
// (package objective) and the data order by (seed, epoch) (package data), so
// restoring the weights, the optimiser, the EMA, the data position and the
// step is enough for a resumed run to produce bit-identical weights.
package train

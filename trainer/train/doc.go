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
//	  run.json         the settings the run was started with (a run stopped
//	                   before its first checkpoint starts again from them)
//	  train.lock       held (flock) by the one process training here; it
//	                   names the last holder's pid and start time
//
// A checkpoint folder is a regular ckpt checkpoint holding the EMA weights
// (what sampling and evaluation use), so `rdlm sample --model out/ckpt`
// works on it, plus optim.safetensors (the raw weights, AdamW's moments and
// the EMA state, via optim.SaveState), trainer.json (the step, the data
// position, the run's Config, the resumes that changed it) and
// manifest.json (the sha256 of the four others, verified by every resume).
// trainer.json and then the manifest are written last: a folder without
// trainer.json is not a checkpoint.
//
// # Resume
//
// A resume continues with the checkpoint's settings. Those a continuation
// may change (steps, the intervals, the data's location, lr) are printed
// and recorded in trainer.json; any other change is refused, and so is a
// shorter run than the checkpoint. A folder with metrics but no checkpoint
// (a run killed, or stopped by a NaN, before its first) is started again
// from step 0, by a resume (with run.json's settings) or a fresh start.
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

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/trainer/train"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train a model (RDLM or the masked-diffusion baseline); Ctrl-C saves and stops, --resume continues",
		usage:   "--config NAME|PATH --out DIR [--data NAME|PATH] [--steps N] [--batch B] [--lr X] [--objective ce|elbo|ce+elbo|mdlm] [--times importance|uniform|adaptive] [--resume] [--ckpt-every N] [--eval-every N] [--seed S] [--backend cpu|webgpu] [--webgpu-lib PATH] [--micro-batch M] [--gpu-memory MIB] [--json]",
		run:     runTrain,
	})
}

type trainFlags struct {
	config, data, out, objective    string
	times                           string
	steps, batch, ckptEvery, evalEv int
	lr                              float64
	seed                            uint64
	resume, asJSON                  bool
	backend, webgpuLib              string
	microBatch, gpuMemoryMiB        int
	set                             map[string]bool
}

func runTrain(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	var f trainFlags
	fs.StringVar(&f.config, "config", "", fmt.Sprintf("a preset (%v) or a JSON file of settings (see trainer/train.Config); with --resume, the run's saved settings are used, and --config must repeat them", train.PresetNames()))
	fs.StringVar(&f.out, "out", "", "run folder: checkpoint (ckpt/), metrics.jsonl, curve.svg")
	fs.StringVar(&f.data, "data", "", "data set: shakespeare, text8, a text file, or images: mnist, mnist14, cifar10 or their files (default: the config's)")
	fs.IntVar(&f.steps, "steps", 0, "total steps of the run (default: the config's)")
	fs.IntVar(&f.batch, "batch", 0, "sequences per step (default: the config's)")
	fs.Float64Var(&f.lr, "lr", 0, "peak learning rate (default: the config's)")
	fs.StringVar(&f.objective, "objective", "", "ce (RDLM, published), elbo (RDLM drift matching: the NELBO), ce+elbo (their sum) or mdlm (masked-diffusion baseline)")
	fs.StringVar(&f.times, "times", "", "training times: importance (the config's window), uniform, or adaptive (a proposal learnt from the NELBO integrand; unbiased weights) (default: the config's)")
	fs.BoolVar(&f.resume, "resume", false, "continue the run in --out exactly where its checkpoint stopped, with its saved settings (flags such as --steps change them, printed and recorded); a run stopped before its first checkpoint starts again from step 0")
	fs.IntVar(&f.ckptEvery, "ckpt-every", 0, "steps between checkpoints (default: the config's)")
	fs.IntVar(&f.evalEv, "eval-every", -1, "steps between validation BPC estimates, 0 for only at the end (default: the config's)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the weights, the data order and the noise (default: the config's)")
	fs.BoolVar(&f.asJSON, "json", false, "print the result as one JSON line")
	fs.StringVar(&f.backend, "backend", "cpu", "where the steps run: cpu, or webgpu (the WGSL trainer: objectives ce and mdlm, the same checkpoints, resume and metrics, the CPU's figures to f32 rounding)")
	fs.StringVar(&f.webgpuLib, "webgpu-lib", "", "webgpu.h library (Dawn or wgpu-native) for --backend webgpu; default $"+gpu.LibraryEnv+", then the test installer's copy, then the system's")
	fs.IntVar(&f.microBatch, "micro-batch", 0, "--backend webgpu: sequences per forward and backward pass, a divisor of the batch (the step accumulates the passes' gradients); default: the largest that fits the adapter")
	fs.IntVar(&f.gpuMemoryMiB, "gpu-memory", 0, "--backend webgpu: device memory the run may plan for, in MiB (WebGPU does not report it); 0: only the adapter's per-buffer limits")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	cfg, err := f.resolve()
	if err != nil {
		return err
	}
	opts := train.Options{Out: f.out, Resume: f.resume, Progress: os.Stderr, Terminal: isTerminal(os.Stderr)}
	switch {
	case f.backend != "cpu" && f.backend != "webgpu":
		return usagef("--backend is cpu or webgpu, not %q", f.backend)
	case f.backend == "cpu" && (f.set["micro-batch"] || f.set["gpu-memory"] || f.set["webgpu-lib"]):
		return usagef("--micro-batch, --gpu-memory and --webgpu-lib go with --backend webgpu")
	case f.microBatch < 0 || f.gpuMemoryMiB < 0:
		return usagef("--micro-batch and --gpu-memory must be >= 0")
	}
	if f.backend == "webgpu" {
		// A missing library or adapter is an error that says how to get one
		// (--backend cpu always works).
		drv, err := gpu.Open(gpu.Options{Library: f.webgpuLib})
		if err != nil {
			return err
		}
		defer drv.Close()
		opts.GPU, opts.MicroBatch, opts.GPUMemory = drv, f.microBatch, uint64(f.gpuMemoryMiB)<<20
	}
	tr, err := train.New(cfg, opts)
	if err != nil {
		return err
	}
	// Ctrl-C (or SIGTERM) asks the trainer to save and stop; a second one
	// gets the default behaviour and ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), interruptSignals...)
	defer stop()
	go func() { <-ctx.Done(); stop() }()
	res, err := tr.Run(ctx)
	if err != nil {
		return err
	}
	if err := printTrainResult(stdout, &f, res); err != nil {
		return err
	}
	if res.Interrupted {
		return exitStatus{code: 130}
	}
	return nil
}

// printTrainResult says how the run ended: trained, interrupted (with or
// without a checkpoint to continue from), or complete already.
func printTrainResult(w io.Writer, f *trainFlags, res train.Result) error {
	var err error
	switch {
	case f.asJSON:
		err = writeJSON(w, res)
	case res.Interrupted && res.Checkpoint == "":
		_, err = fmt.Fprintf(w, "interrupted before the first checkpoint: nothing saved; --resume --out %s starts the run again from step 0\n", f.out)
	case res.Interrupted:
		_, err = fmt.Fprintf(w, "interrupted at step %d: checkpoint saved in %s; continue with --resume --out %s\n", res.Step, res.Checkpoint, f.out)
	case res.AlreadyComplete:
		_, err = fmt.Fprintf(w, "the run in %s is already complete at step %d: nothing trained (give --steps N, N > %d, to train further)\n", f.out, res.Step, res.Step)
	default:
		_, err = fmt.Fprintf(w, "trained %d steps: loss %.4g, validation BPC %.4f; checkpoint in %s\n", res.Step, res.Loss, res.ValidBPC, res.Checkpoint)
	}
	return err
}

// resolve builds the run's configuration: the preset or file (or, on
// --resume, the checkpoint's own settings), then the flags given.
func (f *trainFlags) resolve() (train.Config, error) {
	if f.out == "" {
		return train.Config{}, usagef("--out DIR is required")
	}
	var cfg train.Config
	var err error
	switch {
	case f.resume:
		// A resume continues its own run: the saved settings, which a
		// --config may only repeat; flags change what may change, visibly.
		if cfg, err = train.SavedConfig(f.out); err == nil && f.set["config"] {
			given, err := train.LoadConfig(f.config)
			if err != nil {
				return cfg, err
			}
			if err := train.CheckSameSettings(given, cfg, "--config "+f.config); err != nil {
				return cfg, usagef("%v", err)
			}
		}
	case f.config == "":
		return train.Config{}, usagef("give --config NAME|PATH (presets: %v), or --resume", train.PresetNames())
	default:
		cfg, err = train.LoadConfig(f.config)
	}
	if err != nil {
		return cfg, err
	}
	if f.set["data"] {
		cfg.Data = f.data
	}
	if f.set["steps"] {
		cfg.Steps = f.steps
	}
	if f.set["batch"] {
		cfg.Batch = f.batch
	}
	if f.set["lr"] {
		cfg.LR = f.lr
	}
	if f.set["objective"] {
		cfg.SetObjective(f.objective)
	}
	if f.set["times"] {
		cfg.Times = f.times
	}
	if f.set["ckpt-every"] {
		cfg.CkptEvery = f.ckptEvery
	}
	if f.set["eval-every"] {
		cfg.EvalEvery = f.evalEv
	}
	if f.set["seed"] {
		cfg.Seed = f.seed
	}
	if err := cfg.Validate(); err != nil {
		return cfg, usagef("%v", err)
	}
	return cfg, nil
}

// isTerminal says whether w is a character device (a terminal), where the
// progress line is redrawn in place instead of printed line by line.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

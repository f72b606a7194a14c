package train

import (
	"fmt"
	"math"

	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/trainer/objective"
	"github.com/rdlm-go/rdlm/trainer/optim"
)

// device trains on WebGPU (Options.GPU): the step runs on the device
// (gpu.TrainEngine: the inputs drawn there from the objective's streams,
// forward, loss, backward, clip, AdamW and the EMA), and the host keeps
// what it needs to direct it: the data, each sequence's draws and the
// optimiser's step counts. The weights, moments and EMA come back to the
// host's buffers (Trainer.params, adam, ema) only for checkpoints and
// evaluations, and the losses and norms at every log, evaluation and
// checkpoint step.
type device struct {
	eng     *gpu.TrainEngine
	plan    gpu.TrainPlan
	draws   []objective.SequenceDraw // (B) the host's share of a step's inputs
	seqs    []gpu.SequenceDraw       // (B) the same, as the device takes them
	logs    []gpu.StepLog            // read back at sync points
	pending int                      // steps submitted since the last read
	pulled  int                      // step whose state the host buffers hold
}

// checkDevice refuses what the device trainer does not do.
func (c Config) checkDevice() error {
	switch c.Objective {
	case objective.CE, objective.MDLM:
	default:
		return fmt.Errorf("train: objective %q trains on the CPU only (--backend cpu); the WebGPU trainer runs %q and %q", c.Objective, objective.CE, objective.MDLM)
	}
	if c.Times == objective.TimesAdaptive {
		return fmt.Errorf("train: adaptive times learn from the NELBO integrand, which the WebGPU trainer does not compute: use --backend cpu, or times %q or %q", objective.TimesImportance, objective.TimesUniform)
	}
	return nil
}

// buildDevice plans the run on the adapter and builds the training engine
// from the freshly initialised weights.
func (tr *Trainer) buildDevice() error {
	cfg := tr.cfg
	if err := cfg.checkDevice(); err != nil {
		return err
	}
	tc := gpu.TrainConfig{Batch: cfg.Batch, Length: cfg.Model.Length, MicroBatch: tr.opt.MicroBatch,
		Clip: cfg.Clip, ClipEps: optim.ClipEps, LogSteps: cfg.LogEvery, Seed: cfg.Seed, Masked: cfg.Objective == objective.MDLM}
	a := tr.opt.GPU.Adapter()
	plan, err := gpu.PlanTraining(a, cfg.Model, tc, tr.opt.GPUMemory)
	if err != nil {
		return fmt.Errorf("train: %v", err)
	}
	tc.MicroBatch = plan.MicroBatch
	eng, err := gpu.NewTrainEngine(tr.opt.GPU, tr.params, tc)
	if err != nil {
		return fmt.Errorf("train: on %s with micro-batch %d (%d MiB): %v; give a smaller --micro-batch", a.Name, plan.MicroBatch, plan.Bytes>>20, err)
	}
	B := cfg.Batch
	tr.dev = &device{eng: eng, plan: plan, draws: make([]objective.SequenceDraw, B), seqs: make([]gpu.SequenceDraw, B),
		logs: make([]gpu.StepLog, 0, cfg.LogEvery)}
	tr.progressf("training on WebGPU: %s; %d sequences per pass, %d passes per step, %d MiB on the device\n",
		a, plan.MicroBatch, plan.Passes, plan.Bytes>>20)
	return nil
}

// deviceStep submits the next step without waiting for it.
func (tr *Trainer) deviceStep() error {
	d := tr.dev
	step := tr.step + 1
	tokens := tr.batches.Next()
	K := int32(tr.cfg.Model.Vocab)
	for i, tk := range tokens {
		if tk < 0 || tk >= K {
			return fmt.Errorf("train: step %d: token %d at position %d is outside [0, %d)", step, tk, i, K)
		}
	}
	if err := tr.obj.DrawSequences(d.draws, tr.cfg.Seed, uint64(step)); err != nil {
		return err
	}
	B := float64(tr.cfg.Batch)
	for s, dr := range d.draws {
		d.seqs[s] = gpu.SequenceDraw{T: dr.T, RowWeight: dr.Weight / B, Uniform: dr.Start == process.StartUniform,
			Alpha: dr.Alpha, Rho: dr.Rho, MaskBelow: objective.MaskBelow(dr.MaskProb)}
	}
	seqBase, posBase := objective.StreamBases(uint64(step))
	if err := d.eng.SetDraws(tokens, d.seqs, seqBase, posBase); err != nil {
		return err
	}
	k := tr.adam.Config.CoefficientsAt(step)
	if err := d.eng.Step(step, gpu.StepCoefficients{StepSize: k.StepSize, InvSqrtBC2: k.InvSqrtBC2, Decay: k.Decay,
		B1: k.B1, B2: k.B2, OB1: k.OB1, OB2: k.OB2, Eps: k.Eps, EMAWeight: float32(1 - tr.ema.DecayAt(step))}); err != nil {
		return err
	}
	// The host's counters follow the device, so that a checkpoint records them.
	tr.step, tr.adam.Step, tr.ema.Updates = step, step, step
	d.pending++
	return nil
}

// readDeviceLog waits for the submitted steps and returns their results.
// A step the device found not finite ends the list with an error wrapping
// ErrNonFinite; from it on the device changed nothing, so the trainer goes
// back to the step before.
func (tr *Trainer) readDeviceLog() ([]stepResult, error) {
	d := tr.dev
	if d.pending == 0 {
		return nil, nil
	}
	logs, stop, err := d.eng.ReadLog(d.logs[:0])
	d.pending = 0
	if err != nil {
		return nil, err
	}
	out := make([]stepResult, 0, len(logs))
	for _, l := range logs {
		if stop != 0 && l.Step >= stop {
			tr.step, tr.adam.Step, tr.ema.Updates = stop-1, stop-1, stop-1
			if math.IsNaN(l.Loss) || math.IsInf(l.Loss, 0) {
				return out, nonFinite(stop, "loss", l.Loss)
			}
			return out, nonFinite(stop, "gradient norm", l.Norm)
		}
		out = append(out, stepResult{step: l.Step, loss: l.Loss, norm: l.Norm})
	}
	return out, nil
}

// pullDevice copies the device's weights, moments and EMA into the host's
// buffers, once per step that needs them (an evaluation, a checkpoint).
func (tr *Trainer) pullDevice() error {
	d := tr.dev
	if d == nil || d.pulled == tr.step {
		return nil
	}
	if err := d.eng.ReadState(tr.params.Flat, tr.adam.M, tr.adam.V, tr.ema.Shadow); err != nil {
		return fmt.Errorf("train: step %d: reading the weights back from the device: %v", tr.step, err)
	}
	d.pulled = tr.step
	return nil
}

// pushDevice uploads the host's state (a resumed checkpoint's).
func (tr *Trainer) pushDevice() {
	tr.dev.eng.SetState(tr.params.Flat, tr.adam.M, tr.adam.V, tr.ema.Shadow)
	tr.dev.pulled = tr.step
}

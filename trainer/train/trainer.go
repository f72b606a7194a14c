package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/rdlm-go/rdlm/core/tables"
	"github.com/rdlm-go/rdlm/trainer/data"
	"github.com/rdlm-go/rdlm/trainer/eval"
	"github.com/rdlm-go/rdlm/trainer/objective"
	"github.com/rdlm-go/rdlm/trainer/optim"
)

// Options are the parts of a run that are not its Config.
type Options struct {
	Out      string    // the run folder
	Resume   bool      // continue from Out's checkpoint instead of starting afresh
	Progress io.Writer // progress lines (nil: none)
	Terminal bool      // Progress is a terminal: rewrite one line in place
	DataOpts []data.Option

	// GPU, when set, trains on that WebGPU device (gpu.TrainEngine) instead
	// of the CPU: the same checkpoints, resume and metrics, the CPU's
	// figures to f32 rounding. The caller owns it (the Trainer does not
	// close it). Objectives ce and mdlm, times importance and uniform.
	GPU gpu.Driver
	// MicroBatch, with GPU, is the number of sequences per forward and
	// backward pass (it must divide the batch); 0 picks the largest that
	// fits the adapter's limits and GPUMemory.
	MicroBatch int
	// GPUMemory, with GPU, bounds the device memory the run plans for, in
	// bytes; 0: only the adapter's per-buffer limits.
	GPUMemory uint64
}

// Result sums up a run.
type Result struct {
	Step        int     `json:"step"`        // steps taken in all
	Loss        float64 `json:"loss"`        // mean training loss of the last logged interval
	ValidBPC    float64 `json:"valid_bpc"`   // last validation BPC (NaN when never evaluated)
	Interrupted bool    `json:"interrupted"` // stopped by the context; a checkpoint was saved (after a step)
	Checkpoint  string  `json:"checkpoint"`  // the folder of the final checkpoint; "" when there is none
	// AlreadyComplete is set when the run had taken all its steps before
	// Run (a resume of a finished run): nothing was trained.
	AlreadyComplete bool `json:"already_complete,omitempty"`
}

// ErrNonFinite is wrapped by the error of a run stopped by a NaN or Inf.
var ErrNonFinite = errors.New("non-finite value")

// Trainer owns a run: the model, the optimiser, the data, the objective and
// every buffer a step uses.
type Trainer struct {
	cfg    Config
	opt    Options
	corpus *data.Corpus
	proc   ckpt.Process

	params  *model.Params[float32] // raw training weights
	emaP    *model.Params[float32] // the EMA weights; Flat is ema.Shadow
	grad    *model.Params[float32]
	net     *model.Net[float32] // the CPU network; nil on WebGPU
	dev     *device             // the WebGPU trainer; nil on the CPU
	obj     *objective.Objective[float32]
	adam    *optim.AdamW
	ema     *optim.EMA
	batches *data.Batches
	dlogits []float32 // (B, L, K)
	eval    *eval.Evaluator
	valid   data.Sequences

	step    int // steps taken
	saved   int // step of the checkpoint on disk; 0: none yet
	log     metricsLog
	history []record       // what the curve is drawn from
	lock    *runLock       // held from New until Run returns
	resumes []resumeRecord // resumes that changed settings, for trainer.json

	// Test hooks (nil in production).
	afterBackward func(step int, grad []float32)
	afterStep     func(step int, loss float64)
	saveStage     func(stage string) error
}

// New prepares a run: a fresh one (the run folder must not hold a
// checkpoint yet) or, with opt.Resume, a continuation of the checkpoint in
// opt.Out, whose settings cfg must keep (see checkResumable; what may
// change is printed and recorded in the checkpoint), or, when the run
// stopped before its first checkpoint, that run started again from step 0.
// The folder is locked until Run returns (or Close).
func New(cfg Config, opt Options) (_ *Trainer, err error) {
	if opt.Out == "" {
		return nil, fmt.Errorf("train: no output folder")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("train: %v", err)
	}
	run, err := openRun(cfg, opt)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			run.abandon(opt.Out)
		}
	}()
	st := run.state
	var changed []string
	if st != nil {
		changed = settingDiffs(cfg, st.Config, "was")
	}
	corpus, err := openData(cfg, opt.DataOpts)
	if err != nil {
		return nil, err
	}
	if st != nil {
		if err := st.checkVocab(corpus, opt.Out); err != nil {
			return nil, err
		}
	}
	// The vocabulary belongs to the data: a character vocabulary sizes the model.
	cfg.Model.Vocab = corpus.Vocab.Size()
	if corpus.Image != nil { // so does an image's size: one sequence is one image
		cfg.Model.Length = corpus.Image.Positions()
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("train: %v", err)
	}
	tr := &Trainer{cfg: cfg, opt: opt, corpus: corpus, lock: run.lock}
	if err := tr.build(); err != nil {
		return nil, err
	}
	for _, note := range run.notes {
		tr.progressf("%s\n", note)
	}
	if st != nil {
		if err := tr.restore(st); err != nil {
			return nil, err
		}
		if tr.dev != nil {
			tr.pushDevice()
		}
		how := "its saved settings"
		if len(changed) > 0 {
			how = "changed settings: " + strings.Join(changed, ", ")
			tr.resumes = append(tr.resumes, resumeRecord{Step: st.Step, Changed: changed})
		}
		tr.progressf("resuming %s at step %d of %d with %s\n", opt.Out, st.Step, cfg.Steps, how)
		return tr, nil
	}
	// A start, or a start again: the settings first, then the metrics.
	if err := writeStart(opt.Out, cfg); err != nil {
		return nil, fmt.Errorf("train: %v", err)
	}
	if err := tr.log.create(filepath.Join(opt.Out, MetricsFile)); err != nil {
		return nil, fmt.Errorf("train: %v", err)
	}
	return tr, nil
}

// Close releases the run folder of a Trainer that will not Run (Run
// releases it itself).
func (tr *Trainer) Close() {
	tr.log.close()
	tr.lock.release()
}

func openData(cfg Config, extra []data.Option) (*data.Corpus, error) {
	opts := append([]data.Option(nil), extra...)
	if cfg.CharVocab {
		opts = append(opts, data.WithCharVocab())
	}
	if cfg.PixelBase != 0 {
		opts = append(opts, data.WithPixelBase(cfg.PixelBase))
	}
	c, err := data.Open(cfg.Data, opts...)
	if err != nil {
		return nil, fmt.Errorf("train: data: %v", err)
	}
	return c, nil
}

// build allocates the model, the optimiser and everything a step touches.
func (tr *Trainer) build() error {
	cfg := tr.cfg
	mc := cfg.Model
	L, B, K := mc.Length, cfg.Batch, mc.Vocab
	tr.proc = ckpt.DefaultProcess()
	tr.proc.Vocab = tr.corpus.Vocab.Name
	if im := tr.corpus.Image; im != nil {
		shape := im.Image
		tr.proc.Image = &shape
		if im.Digits > 1 {
			tr.proc.Split = &ckpt.Split{Vocab: pixels.Levels, Base: im.Base, Digits: im.Digits}
		}
	}
	tr.proc.StepThr, tr.proc.RhoFormula, tr.proc.RhoScale = cfg.StepThr, cfg.RhoFormula, cfg.RhoScale
	if f := cfg.Family(); f != ckpt.FamilyRDLM {
		tr.proc.Family = f
	}
	sched, err := tr.proc.NoiseSchedule()
	if err != nil {
		return err
	}
	var tab *tables.Tables
	if cfg.Family() == ckpt.FamilyRDLM {
		if tab, err = tr.loadTables(); err != nil {
			return err
		}
	}
	if tr.obj, err = objective.New[float32](cfg.objective(), tab, sched, K, L, B); err != nil {
		return fmt.Errorf("train: %v", err)
	}
	seqs, err := tr.corpus.Train.Sequences(L)
	if err != nil {
		return fmt.Errorf("train: %v", err)
	}
	if tr.batches, err = data.NewBatches(seqs, B, cfg.Seed); err != nil {
		return fmt.Errorf("train: %v", err)
	}
	if tr.valid, err = tr.corpus.Valid.Sequences(L); err != nil {
		return fmt.Errorf("train: validation: %v", err)
	}
	tr.params = model.NewParams[float32](mc)
	tr.params.Init(cfg.Seed, true)
	if tr.opt.GPU != nil {
		if err := tr.buildDevice(); err != nil {
			return err
		}
	} else {
		tr.grad = model.NewParams[float32](mc)
		if tr.net, err = model.NewNet(tr.params, B, L); err != nil {
			return err
		}
		tr.dlogits = make([]float32, B*L*K)
	}
	if tr.adam, err = optim.NewAdamW(len(tr.params.Flat), optim.AdamWConfig{
		LR: cfg.LR, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: cfg.WeightDecay, Warmup: cfg.Warmup,
	}); err != nil {
		return err
	}
	if tr.ema, err = optim.NewEMA(tr.params.Flat, cfg.EMA); err != nil {
		return err
	}
	// The EMA's shadow doubles as the weights of the evaluation network and
	// of the checkpoints: one buffer, no copies.
	tr.emaP = model.NewParams[float32](mc)
	copy(tr.emaP.Flat, tr.ema.Shadow)
	tr.ema.Shadow = tr.emaP.Flat
	eo := eval.Options{
		Family: cfg.Family(), Seed: cfg.Seed, Batch: min(B, eval.DefaultBatch),
		MaxSequences: cfg.EvalSequences, BridgeSteps: cfg.EvalBridgeSteps,
	}
	if cfg.EvalTimes > 1 {
		eo = eval.Precise(eo)
		eo.TimesPerSequence = cfg.EvalTimes
	}
	tr.eval, err = eval.New(tr.emaP, tr.proc, L, eo)
	return err
}

// loadTables builds the x_t tables once per run folder and reuses them.
func (tr *Trainer) loadTables() (*tables.Tables, error) {
	tc := tables.DefaultConfig(tr.cfg.Model.Vocab)
	tc.Formula, tc.RhoScale, tc.Particles = tr.cfg.RhoFormula, tr.cfg.RhoScale, tr.cfg.TableParticles
	tab, built, err := tables.LoadOrBuild(filepath.Join(tr.opt.Out, TablesFile), tc)
	if err != nil {
		return nil, fmt.Errorf("train: x_t tables: %v", err)
	}
	if built {
		tr.progressf("built the x_t tables (%d tokens, %s rho, %d particles)\n", tc.Tokens, tr.cfg.RhoFormula, tc.Particles)
	}
	return tab, nil
}

// Step is the number of steps taken so far.
func (tr *Trainer) Step() int { return tr.step }

// Config is the run's configuration (with the data's vocabulary size).
func (tr *Trainer) Config() Config { return tr.cfg }

// trainStep takes one optimiser step and returns its loss and the gradient
// norm before clipping. It allocates nothing. On a NaN or Inf it returns an
// error wrapping ErrNonFinite and leaves the weights as they were.
func (tr *Trainer) trainStep() (loss, norm float64, err error) {
	step := tr.step + 1
	B := tr.cfg.Batch
	tokens := tr.batches.Next()
	x, t, err := tr.obj.Corrupt(tokens, B, tr.cfg.Seed, uint64(step))
	if err != nil {
		return 0, 0, err
	}
	logits, err := tr.net.Forward(x, t)
	if err != nil {
		return 0, 0, err
	}
	if loss, err = tr.obj.Loss(logits, tokens, tr.dlogits); err != nil {
		return 0, 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, 0, nonFinite(step, "loss", loss)
	}
	tr.grad.Zero()
	if err := tr.net.BackwardFrom(tr.grad, tr.dlogits); err != nil {
		return 0, 0, err
	}
	if tr.afterBackward != nil {
		tr.afterBackward(step, tr.grad.Flat)
	}
	norm = optim.ClipGlobalNorm(tr.grad.Flat, tr.cfg.Clip)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return loss, norm, nonFinite(step, "gradient norm", norm)
	}
	tr.adam.Update(tr.params.Flat, tr.grad.Flat)
	tr.ema.Update(tr.params.Flat)
	tr.obj.Adapt()
	tr.step = step
	return loss, norm, nil
}

func nonFinite(step int, what string, v float64) error {
	return fmt.Errorf("train: step %d: %s is %v (%w); stopped without updating the weights", step, what, v, ErrNonFinite)
}

// Run trains until cfg.Steps, writing metrics, checkpoints and evaluations
// on the way. When ctx is cancelled (Ctrl-C) it saves a checkpoint at the
// current step and returns with Result.Interrupted set. A NaN or Inf stops
// the run with an error naming the step; the last checkpoint is left as it
// was.
func (tr *Trainer) Run(ctx context.Context) (res Result, err error) {
	defer tr.Close()
	res = Result{ValidBPC: math.NaN(), AlreadyComplete: tr.step >= tr.cfg.Steps}
	defer func() { res.Checkpoint = tr.checkpointDir() }()
	meter := newMeter(tr.step, tr.cfg.Steps, tr.cfg.Batch*tr.cfg.Model.Length)
	fail := func(err error) (Result, error) {
		tr.progressEnd()
		res.Step = tr.step
		return res, fmt.Errorf("%w (%s)", err, tr.lastCheckpoint())
	}
	for tr.step < tr.cfg.Steps {
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		done, stepErr := tr.advance()
		for _, r := range done {
			if err := tr.account(meter, &res, r); err != nil {
				return res, err
			}
		}
		if stepErr != nil {
			return fail(stepErr)
		}
	}
	if tr.dev != nil { // steps submitted since the last sync (an interruption)
		done, err := tr.readDeviceLog()
		for _, r := range done {
			if err := tr.account(meter, &res, r); err != nil {
				return res, err
			}
		}
		if err != nil {
			return fail(err)
		}
	}
	tr.progressEnd()
	if tr.saved != tr.step {
		if err := tr.save(); err != nil {
			return res, err
		}
	}
	res.Step = tr.step
	return res, nil
}

// stepResult is a step's loss and gradient norm before clipping.
type stepResult struct {
	step       int
	loss, norm float64
}

// advance takes a step. On the CPU its result is known at once; on WebGPU
// the step is only submitted, and the results of the steps since the last
// read come back at a sync point: a step that logs, evaluates, saves or is
// the last.
func (tr *Trainer) advance() ([]stepResult, error) {
	if tr.dev == nil {
		loss, norm, err := tr.trainStep()
		if err != nil {
			return nil, err
		}
		return []stepResult{{step: tr.step, loss: loss, norm: norm}}, nil
	}
	if err := tr.deviceStep(); err != nil {
		return nil, err
	}
	if tr.syncAt(tr.step) || tr.dev.pending >= tr.cfg.LogEvery {
		return tr.readDeviceLog()
	}
	return nil, nil
}

// syncAt says whether step logs, evaluates, saves or ends the run.
func (tr *Trainer) syncAt(step int) bool {
	c := tr.cfg
	return step%c.LogEvery == 0 || step == c.Steps || (c.EvalEvery > 0 && step%c.EvalEvery == 0) || step%c.CkptEvery == 0
}

// account books one step's result: the meter and the metrics, then, when
// the run's state is at that step, the evaluation and checkpoint due.
func (tr *Trainer) account(meter *meter, res *Result, r stepResult) error {
	meter.add(r.loss, r.norm)
	if r.step%tr.cfg.LogEvery == 0 || r.step == tr.cfg.Steps {
		rec := meter.record(r.step, tr.adam.Config.LearningRate(r.step))
		res.Loss = rec.Loss
		if err := tr.logRecord(rec); err != nil {
			return err
		}
		tr.progressLine(meter, rec)
	} else if tr.opt.Terminal && time.Since(meter.drawn) > 200*time.Millisecond {
		tr.progressLine(meter, meter.peek(r.step))
	}
	if r.step == tr.step { // evaluations and checkpoints need the state at their step
		last := tr.step == tr.cfg.Steps
		if (tr.cfg.EvalEvery > 0 && tr.step%tr.cfg.EvalEvery == 0) || last {
			bpc, err := tr.evaluate()
			if err != nil {
				return err
			}
			res.ValidBPC = bpc
		}
		if tr.step%tr.cfg.CkptEvery == 0 || last {
			if err := tr.save(); err != nil {
				return err
			}
		}
	}
	if tr.afterStep != nil {
		tr.afterStep(r.step, r.loss)
	}
	return nil
}

// checkpointDir is the folder of the run's checkpoint, "" while it has none.
func (tr *Trainer) checkpointDir() string {
	if tr.saved == 0 {
		return ""
	}
	return filepath.Join(tr.opt.Out, CheckpointDir)
}

// lastCheckpoint says what a resume would continue from, for messages.
func (tr *Trainer) lastCheckpoint() string {
	if tr.saved == 0 {
		return "no checkpoint yet: --resume starts the run again from step 0"
	}
	return fmt.Sprintf("last checkpoint: step %d in %s", tr.saved, tr.checkpointDir())
}

// evaluate estimates the validation BPC of the EMA weights with the
// evaluator of package eval and logs it.
func (tr *Trainer) evaluate() (float64, error) {
	if err := tr.pullDevice(); err != nil {
		return 0, err
	}
	start := time.Now()
	r, err := tr.eval.Run(tr.valid)
	if err != nil {
		return 0, fmt.Errorf("train: step %d: validation: %v", tr.step, err)
	}
	rec := record{Step: tr.step, ValidBPC: &r.BPC, ValidStdErr: &r.StdErr, Estimator: r.Estimator}
	if math.IsNaN(r.StdErr) {
		rec.ValidStdErr = nil
	}
	figure, unit := r.BPC, "BPC"
	if perValue, ok := tr.positionsPerValue(); ok {
		figure, unit = r.BPC*perValue, "BPD"
		rec.ValidBPD = &figure
	}
	if err := tr.logRecord(rec); err != nil {
		return 0, err
	}
	tr.progressEnd()
	tr.progressf("step %d: validation %s %.4f (%s, %d sequences, EMA weights, %.1fs)\n",
		tr.step, unit, figure, r.Estimator, r.Sequences, time.Since(start).Seconds())
	return r.BPC, nil
}

// positionsPerValue is, for an image model, how many positions encode one
// pixel value; ok is false for text.
func (tr *Trainer) positionsPerValue() (n float64, ok bool) {
	if tr.proc.Image == nil {
		return 0, false
	}
	return float64(tr.proc.PositionsPerValue()), true
}

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"github.com/rdlm-go/rdlm/core/walk"
	"io"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/sampler"
	"github.com/rdlm-go/rdlm/core/text"
)

func init() {
	register(&command{
		name:    "sample",
		summary: "generate text with a model: the geodesic random walk on the sphere",
		usage:   "--model DIR [--steps S] [--length L] [--n N] [--seed S] [--batch B] [--prompt TEXT | --template TEXT] [--raw] [--trace FILE] [--png FILE] [--json] [--rule euler|bridge] [--backend cpu|webgpu] [--webgpu-lib PATH]",
		run:     runSample,
	})
}

// defaultSampleBatch caps the sequences per network call: enough to keep
// the matrix kernels busy, small enough for the text8 model's activations.
const defaultSampleBatch = 8

type sampleFlags struct {
	model, prompt, template, trace string
	png                            string // image models: the PNG grid to write
	backend, webgpuLib             string
	rule, grid                     string // the walk's step rule and time grid
	steps, length, n, batch        int
	seed                           uint64
	raw, asJSON                    bool
	set                            map[string]bool // flags given on the command line
}

func runSample(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	var f sampleFlags
	fs.StringVar(&f.model, "model", "", modelFlagHelp)
	fs.IntVar(&f.steps, "steps", 0, "walk steps (default: the model's sample_steps)")
	fs.IntVar(&f.length, "length", 0, "characters per sample (default: the model's length, or the template's)")
	fs.IntVar(&f.n, "n", 1, "number of samples")
	fs.Uint64Var(&f.seed, "seed", 0, "seed: the same seed gives the same samples, whatever --batch")
	fs.IntVar(&f.batch, "batch", 0, fmt.Sprintf("samples per network call (default min(N, %d)); does not change the text", defaultSampleBatch))
	fs.StringVar(&f.prompt, "prompt", "", "text every sample starts with, held fixed")
	fs.StringVar(&f.template, "template", "", "text with '_' for each character to generate, e.g. \"to be or ___ to be\"; sets the length")
	fs.BoolVar(&f.raw, "raw", false, "take --prompt/--template verbatim; by default they are first normalised to the text8 alphabet (lowercase letters and spaces, digits spelled out, other characters become spaces)")
	fs.StringVar(&f.trace, "trace", "", "write a JSON file with every step's t and each position's most likely character and its probability")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON line per sample")
	fs.StringVar(&f.png, "png", "", "image models: write the --n samples as one PNG grid to FILE")
	fs.StringVar(&f.rule, "rule", walk.RuleEuler, "the walk's step: euler (the reference's geodesic random walk) or bridge (draw each position's endpoint from the network, step along its bridge: for few steps; CPU only)")
	fs.StringVar(&f.grid, "grid", walk.GridUniform, "the walk's times: uniform (the reference's) or focus (denser in the middle, where the walk decides; CPU only)")
	fs.StringVar(&f.backend, "backend", "cpu", "where the network runs: cpu, or webgpu (the WGSL engine; the same seed gives the same text up to float rounding)")
	fs.StringVar(&f.webgpuLib, "webgpu-lib", "", "webgpu.h library (Dawn or wgpu-native) for --backend webgpu; default $"+gpu.LibraryEnv+", then the test installer's copy, then the system's")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if err := f.check(); err != nil {
		return err
	}
	c, dir, err := loadModel(f.model)
	if err != nil {
		return err
	}
	if c.Config.Process.Image != nil { // pixels, not text: sample_image.go
		return runImageSample(&f, c, stdout)
	}
	if f.png != "" {
		return usagef("--png is for image models; %s is a text model (vocabulary %q)", dir, c.Config.Process.Vocab)
	}
	if c.Config.Process.Split != nil { // token ids spelt in digits (LM1B): sample_split.go
		return runSplitSample(&f, dir, c, stdout)
	}
	job, err := newSampleJob(&f, c)
	if err != nil {
		return err
	}
	return job.run(stdout)
}

// walk is the number of steps (the model's own unless --steps is given)
// and the samples per network call (--batch, else up to defaultSampleBatch,
// never more than --n).
func (f *sampleFlags) walk(modelSteps int) (steps, batch int) {
	steps = modelSteps
	if f.set["steps"] {
		steps = f.steps
	}
	batch = min(f.n, defaultSampleBatch)
	if f.batch > 0 {
		batch = min(f.n, f.batch)
	}
	return steps, batch
}

// maxSamples bounds --n: a --trace holds every sample's walk.
const maxSamples = 1 << 20

// check rejects flag combinations before the model is read.
func (f *sampleFlags) check() error {
	switch {
	case f.set["prompt"] && f.set["template"]:
		return usagef("give --prompt or --template, not both")
	case f.backend != "cpu" && f.backend != "webgpu":
		return usagef("--backend is cpu or webgpu, not %q", f.backend)
	case f.rule != walk.RuleEuler && f.rule != walk.RuleBridge && f.rule != walk.RuleExact:
		return usagef("--rule is %s, %s or %s, not %q", walk.RuleEuler, walk.RuleExact, walk.RuleBridge, f.rule)
	case f.rule != walk.RuleEuler && f.backend != "cpu":
		return usagef("--rule %s runs on the CPU only (--backend cpu)", f.rule)
	case f.grid != walk.GridUniform && f.grid != walk.GridFocus:
		return usagef("--grid is %s or %s, not %q", walk.GridUniform, walk.GridFocus, f.grid)
	case f.grid != walk.GridUniform && f.backend != "cpu":
		return usagef("--grid %s runs on the CPU only (--backend cpu)", f.grid)
	case f.set["steps"] && f.steps < 1:
		return usagef("--steps must be >= 1, got %d", f.steps)
	case f.steps > walk.MaxSteps: // the walk's time grid is allocated up front
		return usagef("--steps must be at most %d (walk.MaxSteps), got %d", walk.MaxSteps, f.steps)
	case f.n > maxSamples:
		return usagef("--n must be at most %d, got %d", maxSamples, f.n)
	case f.batch > model.MaxBatch:
		return usagef("--batch must be at most %d (model.MaxBatch), got %d", model.MaxBatch, f.batch)
	case f.set["length"] && f.length < 1:
		return usagef("--length must be >= 1, got %d", f.length)
	case f.n < 1:
		return usagef("--n must be >= 1, got %d", f.n)
	case f.batch < 0:
		return usagef("--batch must be >= 1, got %d", f.batch)
	}
	return nil
}

// textVocab is the vocabulary of a text model with its normalisers for
// prompts and templates.
type textVocab struct {
	*text.Vocab
	normalize, normalizeTemplate func(string) string
}

func textVocabFor(name string) (textVocab, error) {
	switch name {
	case "text8":
		return textVocab{text.Text8(), text.NormalizeText8, walk.NormalizeTemplateText8}, nil
	}
	return textVocab{}, fmt.Errorf("the model's vocabulary %q is not a text vocabulary this build can sample (known: text8)", name)
}

// sampleJob is a checked request: the model, the walk and the hold pattern.
type sampleJob struct {
	f       *sampleFlags
	dir     string
	vocab   textVocab
	length  int
	steps   int
	batch   int
	hold    []int
	holdTxt string // the prompt or template after normalisation
	smp     *sampler.Sampler
	walk    *gpu.Walk // --backend webgpu without --trace: the whole walk on the device
	// base samples a baseline model instead of the walk: ancestral for the
	// autoregressive one, unmasking for the masked-diffusion one.
	base interface {
		Sample(dst []int, seed, first uint64, n int) error
		SetHold(hold []int) error
	}
}

func newSampleJob(f *sampleFlags, c *ckpt.Checkpoint) (*sampleJob, error) {
	pc, mc := c.Config.Process, c.Config.Model
	vocab, err := textVocabFor(pc.Vocab)
	if err != nil {
		return nil, err
	}
	if vocab.Size() != mc.Vocab {
		return nil, fmt.Errorf("the model has %d tokens but its vocabulary %q has %d", mc.Vocab, pc.Vocab, vocab.Size())
	}
	j := &sampleJob{f: f, dir: f.model, vocab: vocab, length: mc.Length}
	j.steps, j.batch = f.walk(pc.SampleSteps)
	if f.set["length"] {
		j.length = f.length
	}
	if err := j.buildHold(mc.Length); err != nil {
		return nil, err
	}
	if pc.IsAR() || pc.IsMDLM() {
		return j, j.buildBaseline(c)
	}
	sched, mix, err := pc.Walk()
	if err != nil {
		return nil, err
	}
	scfg := walk.Config{
		Batch: j.batch, Length: j.length, Vocab: mc.Vocab, Steps: j.steps, Schedule: sched, Mixture: mix, Rule: f.rule, Grid: f.grid,
	}
	var den model.Denoiser
	if f.backend == "webgpu" {
		// The device network; a missing library or adapter is an error that
		// says how to get one (--backend cpu always works).
		drv, err := gpu.Open(gpu.Options{Library: f.webgpuLib})
		if err != nil {
			return nil, err
		}
		eng, err := gpu.NewEngine(drv, c.Params, j.batch, j.length)
		if err != nil {
			return nil, err
		}
		den = eng
		if f.trace == "" { // a trace needs each step's probabilities on the host
			if j.walk, err = gpu.NewWalk(eng, scfg); err != nil {
				return nil, err
			}
			if err := j.walk.SetHold(j.hold); err != nil {
				return nil, err
			}
		}
	} else {
		net, err := model.NewInference(c.Params, j.batch, j.length)
		if err != nil {
			return nil, err
		}
		den = net
	}
	j.smp, err = sampler.New(den, scfg)
	if err != nil {
		return nil, err
	}
	if j.hold != nil {
		if err := j.smp.SetHold(j.hold); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// buildBaseline sets up a baseline's sampler on the CPU network.
func (j *sampleJob) buildBaseline(c *ckpt.Checkpoint) error {
	f, pc, mc := j.f, c.Config.Process, c.Config.Model
	switch {
	case f.backend != "cpu":
		return fmt.Errorf("the %q baseline samples on the CPU only (--backend cpu); the WGSL engine runs RDLM's walk", pc.Family)
	case f.trace != "":
		return usagef("--trace records RDLM's walk; the %q baseline has none", pc.Family)
	}
	net, err := model.NewInference(c.Params, j.batch, j.length)
	if err != nil {
		return err
	}
	den := net
	if pc.IsAR() {
		j.steps = j.length // one network pass per position
		j.base, err = sampler.NewAncestral(den, j.batch, j.length, mc.Vocab)
	} else {
		j.base, err = sampler.NewMasked(den, j.batch, j.length, mc.Vocab, j.steps)
	}
	if err != nil {
		return err
	}
	if j.hold != nil {
		return j.base.SetHold(j.hold)
	}
	return nil
}

// buildHold turns --prompt or --template into a hold pattern and settles the
// length: a template sets it, a prompt must fit in it.
func (j *sampleJob) buildHold(modelLength int) error {
	f := j.f
	prepare := func(s string, norm func(string) string) string {
		if f.raw {
			return s
		}
		return norm(s)
	}
	switch {
	case f.set["template"]:
		j.holdTxt = prepare(f.template, j.vocab.normalizeTemplate)
		hold, err := walk.Template(j.vocab.Vocab, j.holdTxt)
		if err != nil {
			return usagef("--template: %v", err)
		}
		if f.set["length"] && f.length != len(hold) {
			return usagef("--length %d disagrees with the template's %d characters (%q); leave --length out", f.length, len(hold), j.holdTxt)
		}
		j.length, j.hold = len(hold), hold
	case f.prompt != "":
		j.holdTxt = prepare(f.prompt, j.vocab.normalize)
		ids, err := j.vocab.Encode(j.holdTxt)
		if err != nil {
			return usagef("--prompt: %v", err)
		}
		if len(ids) > j.length {
			return usagef("--prompt has %d characters (%q after normalising) but the length is %d", len(ids), j.holdTxt, j.length)
		}
		if j.hold, err = walk.Prompt(ids, j.length); err != nil {
			return err
		}
	}
	if j.length > modelLength {
		return usagef("length %d is longer than the model's %d positions", j.length, modelLength)
	}
	return nil
}

// sampleTrace is the --trace file: the walk as the network saw it.
type sampleTrace struct {
	Model   string            `json:"model"`
	Seed    uint64            `json:"seed"`
	Steps   int               `json:"steps"`
	Length  int               `json:"length"`
	Start   string            `json:"start"` // "uniform" or "masked"
	Vocab   string            `json:"vocab"`
	Hold    string            `json:"hold,omitempty"` // normalised prompt or template
	Samples []sampleTraceText `json:"samples"`
}

type sampleTraceText struct {
	Index int               `json:"index"`
	Text  string            `json:"text"`
	Trace []sampleTraceStep `json:"trace"` // one per step
}

type sampleTraceStep struct {
	Step int       `json:"step"`
	T    float64   `json:"t"`
	Top  string    `json:"top"`  // each position's most likely character
	Prob []float32 `json:"prob"` // its probability
}

func (j *sampleJob) run(stdout io.Writer) error {
	n, L := j.f.n, j.length
	var trace *sampleTrace
	if j.f.trace != "" {
		trace = &sampleTrace{Model: j.dir, Seed: j.f.seed, Steps: j.steps, Length: L,
			Start: j.smp.Start().String(), Vocab: j.vocab.Name, Hold: j.holdTxt,
			Samples: make([]sampleTraceText, n)}
		chars := []rune(j.vocab.Chars())
		j.smp.SetObserver(func(info *walk.StepInfo) error {
			for s := 0; s < info.N; s++ {
				top := make([]rune, L)
				for l := range top {
					top[l] = chars[info.Top[s*L+l]]
				}
				t := &trace.Samples[int(info.First)+s]
				t.Trace = append(t.Trace, sampleTraceStep{Step: info.Step, T: info.T, Top: string(top),
					Prob: append([]float32(nil), info.Prob[s*L:(s+1)*L]...)})
			}
			return nil
		})
	}
	tokens := make([]int, j.batch*L)
	for first := 0; first < n; first += j.batch {
		m := min(j.batch, n-first)
		var sample func(dst []int, seed, first uint64, n int) error
		switch {
		case j.base != nil:
			sample = j.base.Sample
		case j.walk != nil:
			sample = j.walk.Sample
		default:
			sample = j.smp.Sample
		}
		if err := sample(tokens[:m*L], j.f.seed, uint64(first), m); err != nil {
			return err
		}
		for s := 0; s < m; s++ {
			txt, err := j.vocab.Decode(tokens[s*L : (s+1)*L])
			if err != nil {
				return err
			}
			if trace != nil {
				trace.Samples[first+s].Index, trace.Samples[first+s].Text = first+s, txt
			}
			if err := j.print(stdout, first+s, txt); err != nil {
				return err
			}
		}
	}
	if trace == nil {
		return nil
	}
	return atomicfile.Write(j.f.trace, func(w io.Writer) error { return json.NewEncoder(w).Encode(trace) })
}

func (j *sampleJob) print(w io.Writer, index int, txt string) error {
	if j.f.asJSON {
		return writeJSON(w, map[string]any{"seed": j.f.seed, "index": index, "text": txt, "steps": j.steps})
	}
	_, err := fmt.Fprintln(w, txt)
	return err
}

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/generate"
	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/walk"
)

func init() {
	register(&command{
		name:    "sample",
		summary: "generate text with a model: the geodesic random walk on the sphere",
		usage:   "--model DIR [--steps S] [--length L] [--n N] [--seed S] [--batch B] [--prompt TEXT | --template TEXT] [--raw] [--trace FILE] [--png FILE] [--json] [--rule euler|exact] [--backend cpu|webgpu|auto] [--webgpu-lib PATH]",
		run:     runSample,
	})
}

// maxSamples bounds --n: a --trace holds every sample's walk.
const maxSamples = 1 << 20

// sampleLimits are the command line's bounds on a request (long runs are
// allowed, absurd sizes refused before anything is allocated) and its names
// for the request's fields.
var sampleLimits = generate.Limits{Steps: walk.MaxSteps, Samples: maxSamples, Batch: model.MaxBatch,
	Names: generate.Names{Steps: "--steps", Length: "--length", Samples: "--n", Batch: "--batch",
		Prompt: "--prompt", Template: "--template", Rule: "--rule", Backend: "--backend"}}

type sampleFlags struct {
	model, prompt, template, trace string
	png                            string // image models: the PNG grid to write
	backend, webgpuLib             string
	rule                           string // the walk's step rule
	steps, length, n, batch        int
	seed                           uint64
	raw, asJSON                    bool
	set                            map[string]bool // flags given on the command line
}

func runSample(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	var f sampleFlags
	fs.StringVar(&f.model, "model", "", modelFlagHelp)
	fs.IntVar(&f.steps, "steps", 0, "walk steps (default: the model's sample_steps)")
	fs.IntVar(&f.length, "length", 0, "characters per sample, tokens for a model with a tokenizer (default: the model's length, or the template's)")
	fs.IntVar(&f.n, "n", 1, "number of samples")
	fs.Uint64Var(&f.seed, "seed", 0, "seed: the same seed gives the same samples, whatever --batch")
	fs.IntVar(&f.batch, "batch", 0, fmt.Sprintf("samples per network call (default min(N, %d)); does not change the text", generate.DefaultBatch))
	fs.StringVar(&f.prompt, "prompt", "", "text every sample starts with, held fixed")
	fs.StringVar(&f.template, "template", "", "text with '_' for each character to generate, e.g. \"to be or ___ to be\"; sets the length")
	fs.BoolVar(&f.raw, "raw", false, "take --prompt/--template verbatim; by default they are first normalised to the text8 alphabet (lowercase letters and spaces, digits spelled out, other characters become spaces)")
	fs.StringVar(&f.trace, "trace", "", "write a JSON file with every step's t and each position's most likely character and its probability")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON line per sample")
	fs.StringVar(&f.png, "png", "", "image models: write the --n samples as one PNG grid to FILE")
	fs.StringVar(&f.rule, "rule", walk.RuleEuler, "the walk's step: euler (the reference's geodesic random walk) or exact (the same drift, with each step's pull and noise exact for a bridge near its vertex: better at few steps; on the CPU and on the device)")
	fs.StringVar(&f.backend, "backend", string(generate.CPU), "where the walk runs: cpu; webgpu (the whole walk on the device, or an error saying why it cannot run there; the same seed gives the same text up to float rounding); or auto (the device when it opens, else the CPU, saying why on stderr)")
	fs.StringVar(&f.webgpuLib, "webgpu-lib", "", "webgpu.h library (Dawn or wgpu-native) for --backend webgpu or auto; default $"+gpu.LibraryEnv+", then the test installer's copy, then the system's")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	req := f.request()
	if err := f.check(req); err != nil {
		return err
	}
	c, dir, err := loadModel(f.model)
	if err != nil {
		return err
	}
	words, err := wordPieceFor(dir, c)
	if err != nil {
		return err
	}
	m, err := generate.NewModel(c, words)
	if err != nil {
		return err
	}
	if err := f.checkFor(m, dir); err != nil {
		return err
	}
	plan, err := m.Plan(req, sampleLimits)
	if err != nil {
		return asUsage(err)
	}
	run, err := generate.Open(plan, generate.Options{Library: f.webgpuLib})
	if err != nil {
		return err
	}
	defer run.Close()
	if why := run.Backend().Reason; why != "" {
		fmt.Fprintf(fs.Output(), "rdlm sample: running on the CPU: %s\n", oneLine(why))
	}
	if m.Kind() == generate.Images {
		return writeImageSamples(&f, plan, run, stdout)
	}
	return writeTextSamples(&f, dir, plan, run, stdout)
}

// request is the flags as a generation request; 0 asks for the model's
// steps and length.
func (f *sampleFlags) request() generate.Request {
	return generate.Request{Steps: f.steps, Length: f.length, Samples: f.n, Batch: f.batch, Seed: f.seed,
		Prompt: f.prompt, Template: f.template, Raw: f.raw, Rule: f.rule, Backend: generate.Choice(f.backend)}
}

// asUsage makes a refused request a usage error (exit status 2).
func asUsage(err error) error {
	if generate.IsRequestError(err) {
		return usagef("%s", err.Error())
	}
	return err
}

// check rejects flags before the model is read: what the request cannot
// say (a flag given as 0, where a request's 0 means the model's default),
// then the request's own checks.
func (f *sampleFlags) check(req generate.Request) error {
	given := map[string]int{"steps": f.steps, "length": f.length, "n": f.n}
	for _, name := range []string{"steps", "length", "n"} {
		if f.set[name] && given[name] == 0 {
			return usagef("--%s must be >= 1, got 0", name)
		}
	}
	if f.set["prompt"] && f.set["template"] { // even empty ones
		return usagef("give --prompt or --template, not both")
	}
	return asUsage(req.Check(sampleLimits))
}

// checkFor rejects the outputs a model does not have.
func (f *sampleFlags) checkFor(m *generate.Model, dir string) error {
	pc := m.Config().Process
	switch {
	case m.Kind() == generate.Images && f.png == "":
		return usagef("%s is an image model: give --png FILE for the grid of samples", dir)
	case m.Kind() == generate.Images && f.trace != "":
		return usagef("--prompt, --template and --trace are for text models; this is an image model")
	case m.Kind() != generate.Images && f.png != "":
		return usagef("--png is for image models; %s is a text model (vocabulary %q)", dir, pc.Vocab)
	case m.Kind() == generate.Tokens && f.trace != "":
		return usagef("--trace is not supported yet for models with a tokenizer (%s)", pc.Tokenizer)
	case m.Family() != ckpt.FamilyRDLM && f.trace != "":
		return usagef("--trace records RDLM's walk; the %q baseline has none", m.Family())
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

// writeTextSamples prints each sample as it is decoded (and writes the
// --trace file at the end).
func writeTextSamples(f *sampleFlags, dir string, p *generate.Plan, run *generate.Runner, stdout io.Writer) error {
	var trace *sampleTrace
	if f.trace != "" {
		m, L := p.Model, p.Positions
		trace = &sampleTrace{Model: dir, Seed: p.Seed, Steps: p.Steps, Length: L,
			Start: m.Start().String(), Vocab: m.Vocab().Name, Hold: p.HoldText,
			Samples: make([]sampleTraceText, p.Samples)}
		chars := []rune(m.Vocab().Chars())
		err := run.SetObserver(func(info *walk.StepInfo) error {
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
		if err != nil {
			return err
		}
	}
	backend := run.Backend().Name
	err := run.Run(p, func(index int, tokens []int) error {
		txt, err := run.Text(tokens)
		if err != nil {
			return err
		}
		if trace != nil {
			trace.Samples[index].Index, trace.Samples[index].Text = index, txt
		}
		if f.asJSON {
			return writeJSON(stdout, map[string]any{"seed": p.Seed, "index": index, "text": txt, "steps": p.Steps, "backend": backend})
		}
		_, err = fmt.Fprintln(stdout, txt)
		return err
	})
	if err != nil || trace == nil {
		return err
	}
	return atomicfile.Write(f.trace, func(w io.Writer) error { return json.NewEncoder(w).Encode(trace) })
}

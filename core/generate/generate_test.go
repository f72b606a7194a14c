package generate

import (
	"errors"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/rdlm-go/rdlm/core/sampler"
	"github.com/rdlm-go/rdlm/core/walk"
	"github.com/rdlm-go/rdlm/core/wordpiece"
	"github.com/stretchr/testify/require"
	"strings"
)

// cliLimits are the command line's bounds and names.
var cliLimits = Limits{Steps: walk.MaxSteps, Samples: 1 << 20, Batch: model.MaxBatch,
	Names: Names{Steps: "--steps", Length: "--length", Samples: "--n", Batch: "--batch", Prompt: "--prompt",
		Template: "--template", Rule: "--rule", Backend: "--backend"}}

var pageLimits = Limits{Steps: 4096, Samples: 32, Batch: 8, Names: PlainNames}

// checkpoint is a random network of mc under process pc.
func checkpoint(mc model.Config, pc ckpt.Process) *ckpt.Checkpoint {
	p := model.NewParams[float32](mc)
	p.Init(3, false)
	return &ckpt.Checkpoint{Config: ckpt.Config{Format: ckpt.FormatVersion, Model: mc, Process: pc, DType: ckpt.DTypeF32}, Params: p}
}

var text8Model = model.Config{Vocab: 27, Length: 16, Hidden: 16, Heads: 2, Blocks: 1, Cond: 8}

func newModel(t *testing.T, c *ckpt.Checkpoint, words *wordpiece.Vocab) *Model {
	t.Helper()
	m, err := NewModel(c, words)
	require.NoError(t, err)
	return m
}

// generateAll runs r on m on the CPU and returns every sample's tokens.
func generateAll(t *testing.T, m *Model, r Request) (*Plan, [][]int) {
	t.Helper()
	if r.Backend == "" {
		r.Backend = CPU // Auto would look for a device
	}
	p, err := m.Plan(r, cliLimits)
	require.NoError(t, err)
	run, err := Open(p, Options{})
	require.NoError(t, err)
	defer run.Close()
	var out [][]int
	require.NoError(t, run.Run(p, func(i int, tokens []int) error {
		require.Equal(t, len(out), i)
		out = append(out, append([]int(nil), tokens...))
		return nil
	}))
	return p, out
}

// direct is what the command line did before this package: the sampler over
// the host's network, the hold pattern set by hand, one batch at a time.
func direct(t *testing.T, c *ckpt.Checkpoint, steps, length, n, batch int, seed uint64, hold []int) [][]int {
	t.Helper()
	sched, mix, err := c.Config.Process.Walk()
	require.NoError(t, err)
	net, err := model.NewInference(c.Params, batch, length)
	require.NoError(t, err)
	smp, err := sampler.New(net, walk.Config{Batch: batch, Length: length, Vocab: c.Config.Model.Vocab, Steps: steps,
		Schedule: sched, Mixture: mix})
	require.NoError(t, err)
	require.NoError(t, smp.SetHold(hold))
	var out [][]int
	for first := 0; first < n; first += batch {
		m := min(batch, n-first)
		dst := make([]int, m*length)
		require.NoError(t, smp.Sample(dst, seed, uint64(first), m))
		for s := range m {
			out = append(out, dst[s*length:(s+1)*length])
		}
	}
	return out
}

// A request gives the tokens the sampler gives when driven by hand, for
// free text, a prompt and a template, whatever the batch.
func TestSameTokensAsTheSamplerDriven(t *testing.T) {
	c := checkpoint(text8Model, ckpt.DefaultProcess())
	m := newModel(t, c, nil)
	p, got := generateAll(t, m, Request{Steps: 6, Length: 12, Samples: 3, Batch: 2, Seed: 9, Backend: CPU})
	require.Nil(t, p.Hold)
	require.Equal(t, direct(t, c, 6, 12, 3, 2, 9, nil), got)
	_, again := generateAll(t, m, Request{Steps: 6, Length: 12, Samples: 3, Batch: 3, Seed: 9})
	require.Equal(t, got, again, "the batch never changes the tokens")

	p, got = generateAll(t, m, Request{Steps: 4, Length: 10, Samples: 2, Seed: 1, Prompt: "Hi 2"})
	require.Equal(t, "hi two ", p.HoldText)
	require.Equal(t, direct(t, c, 4, 10, 2, 2, 1, p.Hold), got)

	p, got = generateAll(t, m, Request{Steps: 4, Samples: 2, Seed: 2, Template: "To be, ___"})
	require.Equal(t, "to be ___", p.HoldText)
	require.Equal(t, 9, p.Length)
	require.Equal(t, direct(t, c, 4, 9, 2, 2, 2, p.Hold), got)
	run, err := Open(p, Options{})
	require.NoError(t, err)
	txt, err := run.Text(got[0])
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(txt, "to be "), txt)
}

// The model's own settings are the defaults: its sample_steps, its length.
func TestDefaultsComeFromTheCheckpoint(t *testing.T) {
	pc := ckpt.DefaultProcess()
	pc.SampleSteps = 7
	m := newModel(t, checkpoint(text8Model, pc), nil)
	p, err := m.Plan(Request{}, cliLimits)
	require.NoError(t, err)
	require.Equal(t, Plan{Model: m, Steps: 7, Length: 16, Positions: 16, Samples: 1, Batch: 1, Rule: walk.RuleEuler, Backend: Auto}, *p)
	p, err = m.Plan(Request{Backend: CPU}, cliLimits)
	require.NoError(t, err)
	p, err = m.Plan(Request{Samples: 20}, cliLimits)
	require.NoError(t, err)
	require.Equal(t, DefaultBatch, p.Batch)
}

// A split model walks Digits positions per token and prints ids, or
// WordPiece text with a vocabulary; its length counts tokens.
func TestSplitModelDecodesTokens(t *testing.T) {
	pc := ckpt.DefaultProcess()
	pc.Vocab, pc.Split, pc.Tokenizer = "lm1b", &ckpt.Split{Vocab: 7, Base: 3, Digits: 2}, ckpt.TokenizerBERT
	mc := model.Config{Vocab: 3, Length: 8, Hidden: 16, Heads: 2, Blocks: 1, Cond: 8}
	c := checkpoint(mc, pc)
	m := newModel(t, c, nil)
	require.Equal(t, Tokens, m.Kind())
	require.Equal(t, 4, m.MaxLength())
	p, got := generateAll(t, m, Request{Steps: 3, Samples: 3, Seed: 1, Length: 3})
	require.Equal(t, 6, p.Positions)
	require.Equal(t, direct(t, c, 3, 6, 3, 3, 1, nil), got)
	run, err := Open(p, Options{})
	require.NoError(t, err)
	for _, tokens := range got {
		txt, err := run.Text(tokens)
		require.NoError(t, err)
		require.Regexp(t, `^([0-6]|\?) ([0-6]|\?) ([0-6]|\?)$`, txt)
	}
	words, err := wordpiece.Load(strings.NewReader("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n"))
	require.NoError(t, err)
	wm := newModel(t, c, words)
	p, err = wm.Plan(Request{Steps: 3, Samples: 3, Seed: 1, Length: 3}, cliLimits)
	require.NoError(t, err)
	run, err = Open(p, Options{})
	require.NoError(t, err)
	for _, tokens := range got {
		_, err := run.Text(tokens)
		require.NoError(t, err)
	}
	_, err = m.Plan(Request{Length: 5}, cliLimits)
	require.EqualError(t, err, "length 5 is longer than the model's 4 tokens")
	_, err = m.Plan(Request{Prompt: "hello"}, cliLimits)
	require.ErrorContains(t, err, "not supported yet for models with a tokenizer")
	short, err := wordpiece.Load(strings.NewReader("[PAD]\n[UNK]\n"))
	require.NoError(t, err)
	_, err = NewModel(c, short)
	require.ErrorContains(t, err, "the WordPiece vocabulary has 2 tokens but the model's ids span 7")
}

// An image model samples whole images and decodes them to pixel values.
func TestImageModelGivesPixels(t *testing.T) {
	pc := ckpt.DefaultProcess()
	pc.Vocab, pc.Image, pc.Split = "mnist", &pixels.Image{Height: 2, Width: 3, Channels: 1}, &ckpt.Split{Vocab: 256, Base: 16, Digits: 2}
	mc := model.Config{Vocab: 16, Length: 12, Hidden: 16, Heads: 2, Blocks: 1, Cond: 8}
	m := newModel(t, checkpoint(mc, pc), nil)
	require.Equal(t, Images, m.Kind())
	p, got := generateAll(t, m, Request{Steps: 2, Samples: 2, Seed: 3})
	require.Equal(t, 12, p.Positions)
	values := make([]uint8, 2*m.ImageValues())
	for s, tokens := range got {
		require.NoError(t, m.Pixels(values[s*6:(s+1)*6], tokens, 1))
		for v := range 6 {
			require.Equal(t, uint8(tokens[2*v]+16*tokens[2*v+1]), values[s*6+v])
		}
	}
	_, err := m.Plan(Request{Length: 6}, cliLimits)
	require.EqualError(t, err, "--length: an image model samples whole images of 12 positions, not 6")
	_, err = m.Plan(Request{Prompt: "a"}, cliLimits)
	require.ErrorContains(t, err, "prompts and templates are for text models")
}

// The autoregressive baseline takes one pass per position, on the CPU; an
// explicit WebGPU is an error, Auto says why the CPU runs.
func TestBaselinesRunOnTheCPU(t *testing.T) {
	pc := ckpt.DefaultProcess()
	pc.Family = ckpt.FamilyAR
	mc := text8Model
	mc.Causal = true
	m := newModel(t, checkpoint(mc, pc), nil)
	p, got := generateAll(t, m, Request{Samples: 2, Length: 6, Prompt: "ab"})
	require.Equal(t, 6, p.Steps)
	for _, tokens := range got {
		require.Equal(t, []int{0, 1}, tokens[:2]) // "ab"
	}
	p.Backend = WebGPU
	_, err := Open(p, Options{})
	require.ErrorContains(t, err, "CPU only")
	p.Backend = Auto
	run, err := Open(p, Options{})
	require.NoError(t, err)
	require.Equal(t, Backend{Name: CPUName, Reason: `the "ar" baseline samples on the CPU only`}, run.Backend())
	require.Error(t, run.SetObserver(func(*walk.StepInfo) error { return nil }))
	// A step rule belongs to RDLM's walk: a baseline refuses one rather
	// than ignore it.
	_, err = m.Plan(Request{Samples: 1, Length: 6, Rule: walk.RuleExact}, cliLimits)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	require.EqualError(t, err, `--rule exact is for RDLM's walk; the "ar" baseline has its own sampler`)
	_, err = m.Plan(Request{Samples: 1, Length: 6, Rule: walk.RuleEuler}, cliLimits)
	require.NoError(t, err, "the default rule, named, is no conflict")
}

// Each refusal names its field as the front end spells it.
func TestInvalidRequestsAreRefusedByName(t *testing.T) {
	m := newModel(t, checkpoint(text8Model, ckpt.DefaultProcess()), nil)
	cases := []struct {
		r         Request
		cli, page string
	}{
		{Request{Steps: -1}, "--steps must be >= 1, got -1", "steps must be >= 1, got -1"},
		{Request{Steps: walk.MaxSteps + 1}, "--steps must be at most 1048576 (walk.MaxSteps), got 1048577", "steps must be at most 4096, got 1048577"},
		{Request{Samples: 1 << 21}, "--n must be at most 1048576, got 2097152", "samples must be at most 32, got 2097152"},
		{Request{Batch: model.MaxBatch + 1}, "--batch must be at most 65536 (model.MaxBatch), got 65537", "the batch must be at most 8, got 65537"},
		{Request{Length: -3}, "--length must be >= 1, got -3", "the length must be >= 1, got -3"},
		{Request{Length: 17}, "length 17 is longer than the model's 16 positions", "length 17 is longer than the model's 16 positions"},
		{Request{Prompt: "a", Template: "a_"}, "give --prompt or --template, not both", "give the prompt or the template, not both"},
		{Request{Rule: "bridge"}, `--rule is euler or exact, not "bridge"`, `the step rule is euler or exact, not "bridge"`},
		{Request{Backend: "cuda"}, `--backend is auto, webgpu or cpu, not "cuda"`, `the backend is auto, webgpu or cpu, not "cuda"`},
		{Request{Length: 4, Prompt: "hello"}, `--prompt has 5 characters ("hello" after normalising) but the length is 4`, `the prompt has 5 characters ("hello" after normalising) but the length is 4`},
		{Request{Raw: true, Prompt: "Hello"}, "--prompt: character 'H' at byte 0 is not in the text8 vocabulary", "the prompt: character 'H' at byte 0 is not in the text8 vocabulary"},
		{Request{Prompt: "日本語 😀"}, "--prompt has no character the model reads (a-z, digits, spaces), so nothing would be held: “日” “本” “語” “😀”", ""},
		{Request{Template: "no blanks"}, "a template needs at least one _ to fill in", "a template needs at least one _ to fill in"},
		{Request{Template: "a__", Length: 5}, `--length 5 disagrees with the template's 3 characters ("a__"); a template sets the length`, ""},
		{Request{Template: strings.Repeat("_", 17)}, "length 17 is longer than the model's 16 positions", ""},
		{Request{Raw: true, Template: "a_?"}, `--template: template "a_?": character '?' at byte 0 is not in the text8 vocabulary`, ""},
	}
	for _, c := range cases {
		_, err := m.Plan(c.r, cliLimits)
		require.EqualError(t, err, c.cli, "%+v", c.r)
		require.True(t, IsRequestError(err), "%+v", c.r)
		if c.page != "" {
			_, err = m.Plan(c.r, pageLimits)
			require.EqualError(t, err, c.page, "%+v", c.r)
		}
	}
	// What needs no model is refused before one is read.
	require.EqualError(t, Request{Steps: walk.MaxSteps + 1}.Check(cliLimits), "--steps must be at most 1048576 (walk.MaxSteps), got 1048577")
	// A vocabulary the package cannot print is refused when the model is made.
	pc := ckpt.DefaultProcess()
	pc.Vocab = "dna"
	_, err := NewModel(checkpoint(text8Model, pc), nil)
	require.EqualError(t, err, `the model's vocabulary "dna" is not a text vocabulary this build can sample (known: text8)`)
}

// fakeDevice is a device walk run by the CPU sampler, with a name, that
// counts its closes; fail makes it refuse to open.
type fakeDevice struct {
	opened, closed, rewalked int
	fail                     error
	fallback                 bool
	rule                     string // the step rule of the last walk opened
}

func (f *fakeDevice) open(p *model.Params[float32], cfg walk.Config) (*Device, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	net, err := model.NewInference(p, cfg.Batch, cfg.Length)
	if err != nil {
		return nil, err
	}
	w, err := sampler.New(net, cfg)
	if err != nil {
		return nil, err
	}
	f.opened++
	f.rule = cfg.Rule
	rewalk := func(cfg walk.Config) (walk.Walker, error) {
		f.rewalked++
		return sampler.New(net, cfg)
	}
	return &Device{Walker: w, Adapter: gpu.AdapterInfo{Name: "Fake GPU", Fallback: f.fallback}, Close: func() { f.closed++ }, Rewalk: rewalk}, nil
}

// WebGPU runs on the device or fails with the device's reason; only Auto
// falls back to the CPU, and then it says why.
func TestBackendChoice(t *testing.T) {
	m := newModel(t, checkpoint(text8Model, ckpt.DefaultProcess()), nil)
	plan := func(r Request) *Plan {
		p, err := m.Plan(r, cliLimits)
		require.NoError(t, err)
		return p
	}
	r := Request{Steps: 3, Samples: 2, Seed: 4, Length: 8}
	cpu, err := Open(plan(Request{Steps: 3, Samples: 2, Seed: 4, Length: 8, Backend: CPU}), Options{})
	require.NoError(t, err)
	require.Equal(t, Backend{Name: CPUName}, cpu.Backend())
	want, err := cpu.Sample(4, 0, 2)
	require.NoError(t, err)

	dev := &fakeDevice{}
	for _, choice := range []Choice{WebGPU, Auto} {
		r.Backend = choice
		run, err := Open(plan(r), Options{OpenDevice: dev.open})
		require.NoError(t, err)
		require.Equal(t, Backend{Name: "Fake GPU", GPU: true}, run.Backend())
		got, err := run.Sample(4, 0, 2)
		require.NoError(t, err)
		require.Equal(t, want, got)
		run.Close()
		run.Close()
	}
	require.Equal(t, 2, dev.opened)
	require.Equal(t, 2, dev.closed, "the runner closes the device it opened, once")

	gone := &fakeDevice{fail: errors.Join(gpu.ErrUnavailable, errors.New("no adapter"))}
	r.Backend = WebGPU
	_, err = Open(plan(r), Options{OpenDevice: gone.open})
	require.ErrorIs(t, err, gpu.ErrUnavailable, "an explicit WebGPU never runs on the CPU")
	r.Backend = Auto
	run, err := Open(plan(r), Options{OpenDevice: gone.open})
	require.NoError(t, err)
	require.False(t, run.Backend().GPU)
	require.Contains(t, run.Backend().Reason, "no adapter")
	got, err := run.Sample(4, 0, 2)
	require.NoError(t, err)
	require.Equal(t, want, got)

	// A software adapter is slower than the CPU: Auto leaves it (closed
	// again) for the CPU and says so; an explicit WebGPU runs on it.
	soft := &fakeDevice{fallback: true}
	run, err = Open(plan(r), Options{OpenDevice: soft.open})
	require.NoError(t, err)
	require.Equal(t, Backend{Name: CPUName, Reason: "the WebGPU adapter here (Fake GPU) is a software one, slower than the CPU"}, run.Backend())
	require.Equal(t, [2]int{1, 1}, [2]int{soft.opened, soft.closed})
	r.Backend = WebGPU
	run, err = Open(plan(r), Options{OpenDevice: soft.open})
	require.NoError(t, err)
	require.Equal(t, Backend{Name: "Fake GPU (software)", GPU: true}, run.Backend())
	require.True(t, IsSoftware(gpu.AdapterInfo{Name: "Google SwiftShader Device (Subzero)"}))
	require.False(t, IsSoftware(gpu.AdapterInfo{Name: "NVIDIA H200"}))
	r.Backend = Auto

	// The exact rule runs on the device too, with the device's walk of it.
	r.Rule = walk.RuleExact
	for _, choice := range []Choice{WebGPU, Auto} {
		r.Backend = choice
		run, err = Open(plan(r), Options{OpenDevice: dev.open})
		require.NoError(t, err)
		require.Equal(t, Backend{Name: "Fake GPU", GPU: true}, run.Backend())
		require.Equal(t, walk.RuleExact, dev.rule, "the device walk was opened for the exact rule")
		run.Close()
	}
}

// A runner's walks allocate nothing once it is open.
func TestSampleAllocatesNothing(t *testing.T) {
	m := newModel(t, checkpoint(text8Model, ckpt.DefaultProcess()), nil)
	p, err := m.Plan(Request{Steps: 3, Samples: 2, Length: 8, Prompt: "ab", Backend: CPU}, cliLimits)
	require.NoError(t, err)
	run, err := Open(p, Options{})
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := run.Sample(1, 0, 2); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

// A runner refits to other steps on the same network and device, keeping
// its hold and observer; anything else is a new runner.
func TestRefitChangesOnlyTheSteps(t *testing.T) {
	m := newModel(t, checkpoint(text8Model, ckpt.DefaultProcess()), nil)
	plan := func(steps int, backend Choice) *Plan {
		p, err := m.Plan(Request{Steps: steps, Samples: 2, Length: 8, Prompt: "ab", Seed: 3, Backend: backend}, cliLimits)
		require.NoError(t, err)
		return p
	}
	fresh := func(p *Plan) []int {
		run, err := Open(p, Options{})
		require.NoError(t, err)
		got, err := run.Sample(p.Seed, 0, 2)
		require.NoError(t, err)
		return append([]int(nil), got...)
	}
	dev := &fakeDevice{}
	for _, backend := range []Choice{CPU, WebGPU} {
		run, err := Open(plan(3, backend), Options{OpenDevice: dev.open})
		require.NoError(t, err)
		observed := 0
		require.NoError(t, run.SetObserver(func(*walk.StepInfo) error { observed++; return nil }))
		for _, steps := range []int{5, 3, 5} {
			p := plan(steps, backend)
			require.False(t, run.Fits(p), "the steps changed")
			require.True(t, run.Refit(p))
			require.True(t, run.Fits(p))
			observed = 0
			got, err := run.Sample(p.Seed, 0, 2)
			require.NoError(t, err)
			require.Equal(t, fresh(plan(steps, CPU)), got, "%s, %d steps", backend, steps)
			require.Equal(t, steps, observed)
			require.Equal(t, []int{0, 1}, got[:2], "the prompt is still held")
		}
		other := plan(3, backend)
		other.Batch = 1
		require.False(t, run.Refit(other))
	}
	require.Equal(t, [2]int{1, 1}, [2]int{dev.opened, dev.rewalked}, "one device; one walk per number of steps")
}
